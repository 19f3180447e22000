import { Client, Connection, WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultWorkflowId, startRunbook } from '../client/runbooks';
import { signDecision, signStart } from '../client/signing';
import type { DecideInput } from '../domain/approval';
import { runbookKindSchema } from '../domain/config';
import { INPUT_FORMS } from '../domain/inputs';
import { TASK_QUEUE } from '../domain/operatorCommands';
import type { RunbookStatus } from '../domain/runbookStatus';
import { statusToMarkdown } from '../domain/statusMarkdown';
import { decideUpdate, statusQuery } from '../contracts/handlers';
import { temporalConnectSettings } from '../worker/temporalConnection';
import { Args, flag, parseArgs, runbookInput, UsageError } from './args';
import { fieldTypes } from './flagTypes';
import { signingKey, whoAmI } from './identity';

/**
 * `npx dms-runbooks …`: start runbooks, see what waits for a decision, read a run, and approve, reject or cancel it
 * in one command. Connection settings are the worker's (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles: see
 * worker/temporalConnection.ts); the task queue is DMS_RUNBOOKS_TASK_QUEUE or --task-queue.
 */

const USAGE = `usage: dms-runbooks <command> [options]
  start <kind> [--input JSON | --table shop.x --dry-run …]   start a runbook, signed as you (requestedBy)
  pending                                                  every gate waiting for a decision
  show <workflow id>                                        steps, plan and digest, DMS state, errors
  approve|reject <workflow id> [--gate g] --reason "…"     sign and send the decision; prints the answer
  cancel <workflow id> --reason "…"                        ask the runbook to stop
  sign <workflow id> --decision approve|reject [--gate g] --reason "…"
                                                           print the signed input for temporal workflow update execute
options: --as <name> (DMS_RUNBOOKS_USER), --key <ssh key file> (DMS_RUNBOOKS_SIGNING_KEY, git user.signingkey,
         ~/.ssh/id_ed25519), --task-queue <queue> (DMS_RUNBOOKS_TASK_QUEUE), --unsigned`;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function connect(): Promise<{ client: Client; namespace: string; close: () => Promise<void> }> {
  const { connectionOptions, namespace } = temporalConnectSettings();
  const connection = await Connection.connect(connectionOptions);
  return { client: new Client({ connection, namespace }), namespace, close: () => connection.close() };
}

function taskQueue(args: Args): string {
  return flag(args, 'task-queue') ?? process.env.DMS_RUNBOOKS_TASK_QUEUE ?? TASK_QUEUE;
}

function webLink(namespace: string, workflowId: string): string | undefined {
  // The sandbox stack writes TEMPORAL_UI_URL to .stack/env; elsewhere say where the Web UI is.
  const base = process.env.DMS_RUNBOOKS_WEB_UI ?? process.env.TEMPORAL_UI_URL;
  return base
    ? `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`
    : undefined;
}

function required(args: Args, index: number, what: string): string {
  const value = args.positionals[index];
  if (!value) throw new UsageError(`missing ${what}\n${USAGE}`);
  return value;
}

function age(since: string, now = Date.now()): string {
  const minutes = Math.round((now - Date.parse(since)) / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

async function start(client: Client, namespace: string, args: Args): Promise<number> {
  const kind = runbookKindSchema.safeParse(required(args, 1, 'runbook kind'));
  if (!kind.success) throw new UsageError(`unknown runbook kind; one of: ${runbookKindSchema.options.join(', ')}`);
  const input = runbookInput(args, ['as', 'key', 'task-queue', 'input', 'unsigned', 'workflow-id'], fieldTypes(INPUT_FORMS[kind.data]));
  input.requestedBy ??= whoAmI(args);
  const workflowId = flag(args, 'workflow-id') ?? defaultWorkflowId(kind.data, input);
  if (args.flags.unsigned !== true) {
    input.requestedBySignature = await signStart(
      { workflowId, kind: kind.data, requestedBy: String(input.requestedBy), input },
      signingKey(args),
    );
  }
  const handle = await startRunbook(client, kind.data, input as never, { workflowId, taskQueue: taskQueue(args) });
  out(
    `started ${kind.data} ${handle.workflowId} (requestedBy ${String(input.requestedBy)}${args.flags.unsigned === true ? ', unsigned' : ', signed'})`,
  );
  const link = webLink(namespace, handle.workflowId);
  if (link) out(`Web UI: ${link}`);
  out(`status: npx dms-runbooks show ${handle.workflowId}`);
  return 0;
}

async function pending(client: Client, args: Args): Promise<number> {
  const queue = taskQueue(args);
  let found = 0;
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running' AND TaskQueue = '${queue}'` })) {
    let status: RunbookStatus;
    try {
      status = await client.workflow.getHandle(wf.workflowId, wf.runId).query(statusQuery);
    } catch {
      continue; // not a runbook, or its first task has not run yet
    }
    const gate = status.pendingGate;
    if (!gate) continue;
    found++;
    out(
      `${wf.workflowId}  ${status.kind} ${status.target}  gate ${gate.gate}  waiting ${age(gate.openedAt)}  expires ${gate.expiresAt}${gate.planDigest ? `  plan ${gate.planDigest.slice(0, 19)}…` : ''}`,
    );
    out(`  ${gate.plan.summary}`);
    out(`  ${gate.cliApproveCommand ?? gate.approveCommand}`);
  }
  if (found === 0) out(`no gate is waiting for a decision on task queue ${queue}`);
  return 0;
}

async function show(client: Client, namespace: string, args: Args): Promise<number> {
  const handle = client.workflow.getHandle(required(args, 1, 'workflow id'));
  const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
  out(`${description.workflowId} (run ${description.runId}) — ${description.status.name}`);
  const link = webLink(namespace, description.workflowId);
  if (link) out(`Web UI: ${link}`);
  out();
  out(statusToMarkdown(status));
  const gates = status.audit.gates.filter((g) => g.outcome);
  if (gates.length) {
    out();
    out('### Decisions');
    for (const g of gates) {
      out(
        `- ${g.gate}: ${g.outcome}${g.approver ? ` by ${g.approver}` : ''}${g.signerKey ? ` (signed, key ${g.signerKey})` : ''}${g.planDigest ? ` — plan ${g.planDigest}` : ''}`,
      );
    }
  }
  if (status.audit.refusedCount) out(`\n${status.audit.refusedCount} decision(s) refused; the newest in the audit (refusedDecisions).`);
  return 0;
}

/** The decision for the pending (or named) gate, signed over this run, gate and plan digest unless --unsigned. */
async function signedInput(handle: WorkflowHandle, args: Args, decision: 'approve' | 'reject'): Promise<DecideInput> {
  const reason = flag(args, 'reason');
  if (!reason) throw new UsageError('--reason "…" is required: it is recorded in the audit and signed');
  const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
  const gate = flag(args, 'gate') ?? status.pendingGate?.gate;
  if (!gate)
    throw new UsageError(
      `${handle.workflowId} has no gate waiting for a decision (phase ${status.phase}); see: npx dms-runbooks show ${handle.workflowId}`,
    );
  const approver = whoAmI(args);
  const planDigest = status.pendingGate?.gate === gate ? status.pendingGate.planDigest : undefined;
  if (args.flags.unsigned === true || !planDigest) {
    process.stderr.write(
      `${decision} gate "${gate}" of ${handle.workflowId} as ${approver}, unsigned${planDigest ? '' : ' (this run has no plan digest to sign)'}\n`,
    );
    return { gate, approver, reason, decision };
  }
  const key = signingKey(args);
  process.stderr.write(
    `signing: ${decision} gate "${gate}" of ${handle.workflowId} (run ${description.runId}), plan digest ${planDigest}, as ${approver} with ${key}\n`,
  );
  const signed = await signDecision(
    { workflowId: handle.workflowId, runId: description.runId, gate, planDigest, decision, approver, reason },
    key,
  );
  return { gate, approver, reason, decision, signed };
}

async function decideCmd(client: Client, args: Args, decision: 'approve' | 'reject'): Promise<number> {
  const handle = client.workflow.getHandle(required(args, 1, 'workflow id'));
  const input = await signedInput(handle, args, decision);
  try {
    const answer = await handle.executeUpdate(decideUpdate, { args: [input] });
    out(
      `accepted: ${answer.decision} of gate "${answer.gate}" by ${answer.approver}${answer.signerKey ? ` (signature verified, key ${answer.signerKey})` : ''}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      out(`refused: ${error.cause?.message ?? error.message}`);
      return 1;
    }
    throw error;
  }
}

async function signCmd(client: Client, args: Args): Promise<number> {
  const decision = flag(args, 'decision');
  if (decision !== 'approve' && decision !== 'reject') throw new UsageError('--decision approve|reject is required');
  const handle = client.workflow.getHandle(required(args, 1, 'workflow id'));
  const input = await signedInput(handle, args, decision);
  const json = JSON.stringify(input);
  out(json);
  process.stderr.write(
    `\nsend it with:\ntemporal workflow update execute --workflow-id ${handle.workflowId} --name decide --input '${json.replace(/'/g, "'\\''")}'\n`,
  );
  return 0;
}

async function cancel(client: Client, namespace: string, args: Args): Promise<number> {
  const workflowId = required(args, 1, 'workflow id');
  const reason = flag(args, 'reason');
  if (!reason) throw new UsageError('--reason "…" is required');
  await client.workflowService.requestCancelWorkflowExecution({
    namespace,
    workflowExecution: { workflowId },
    reason: `${whoAmI(args)}: ${reason}`,
    identity: `dms-runbooks-cli ${whoAmI(args)}`,
    requestId: `${workflowId}-cancel-${Date.now()}`,
  });
  out(
    `cancellation requested for ${workflowId}: the runbook undoes what it changed, then closes as Canceled and releases its locks; follow it with \`npx dms-runbooks show ${workflowId}\` (docs/interruptions.md)`,
  );
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const command = args.positionals[0];
  if (!command || command === 'help' || args.flags.help) {
    out(USAGE);
    return command ? 0 : 2;
  }
  const known = ['start', 'pending', 'show', 'approve', 'reject', 'cancel', 'sign'];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  const { client, namespace, close } = await connect();
  try {
    switch (command) {
      case 'start':
        return await start(client, namespace, args);
      case 'pending':
        return await pending(client, args);
      case 'show':
        return await show(client, namespace, args);
      case 'approve':
      case 'reject':
        return await decideCmd(client, args, command);
      case 'sign':
        return await signCmd(client, args);
      default:
        return await cancel(client, namespace, args);
    }
  } finally {
    await close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`dms-runbooks: ${error instanceof UsageError ? error.message : (error.stack ?? error.message)}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
