import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { replayExecutions } from '../worker/replayExecutions';
import { temporalConnectSettings } from '../worker/temporalConnection';

/**
 * `npm run replay:running [-- <bundle.js>]`: before a deploy, replays every running and recently closed execution of
 * the namespace (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles) against the new workflow code — the prebuilt bundle
 * given (or WORKFLOW_BUNDLE), else the workflows' source. Exit 1 when any would fail: CI/CD stops the deploy.
 * REPLAY_CLOSED_WITHIN_HOURS: how far back closed executions are included (default 24).
 */
async function main(): Promise<void> {
  const bundle = process.argv[2] ?? process.env.WORKFLOW_BUNDLE;
  const { connectionOptions, namespace } = temporalConnectSettings();
  const connection = await Connection.connect(connectionOptions);
  try {
    const client = new Client({ connection, namespace });
    const outcomes = await replayExecutions(client, {
      workflows: bundle ? { bundlePath: path.resolve(bundle) } : { workflowsPath: require.resolve('../workflows') },
      closedWithinHours: Number(process.env.REPLAY_CLOSED_WITHIN_HOURS ?? 24),
    });
    const failed = outcomes.filter((o) => o.failure);
    for (const o of failed) {
      console.error(`${o.failure!.kind}: ${o.workflowId} (run ${o.runId}): ${o.failure!.message.split('\n')[0]}`);
    }
    console.log(
      `replayed ${outcomes.length} execution(s) of namespace ${namespace} against ${bundle ?? 'the workflows source'}: ${failed.length ? `${failed.length} would fail — put the change behind patched() (docs/deploying-safely.md)` : 'all replay'}`,
    );
    process.exitCode = failed.length ? 1 : 0;
  } finally {
    await connection.close();
  }
}

main().catch((error: Error) => {
  console.error(`replay:running failed: ${error.message}`);
  process.exit(2);
});
