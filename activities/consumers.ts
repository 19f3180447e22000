import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { consumerPauseKey, PausedConsumer, pauseRecord, PauseRecord, RebuildResult, resumeCommand } from '../domain/consumerCommands';
import { ConsumerConfig, DatabricksJobConsumer, WebhookConsumer } from '../domain/consumers';
import { activitySignal } from './activityCancellation';
import { JobsApi, JobSettings, PAUSABLE_FIELDS, resolveSecret, runEnded, runStateText, runSucceeded, WebhookApi } from './consumerApis';
import type { ActivityDeps } from './deps';
import { putJsonObject, readJsonObject } from './s3Objects';

export type { PausedConsumer, RebuildResult };

export interface RunbookRef {
  workflowId: string;
  runId: string;
  kind: string;
}

/** The lake's consumers, paused, waited for, asked to rebuild a table and resumed (docs/downstream.md). */
export function consumerActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  const find = (name: string): ConsumerConfig => {
    const consumer = deps.config.consumers.find((c) => c.name === name);
    if (!consumer)
      throw ApplicationFailure.nonRetryable(
        `consumer "${name}" is not in the worker's configuration (known: ${deps.config.consumers.map((c) => c.name).join(', ') || 'none'})`,
        'InvalidInput',
      );
    return consumer;
  };
  const jobs = async (c: DatabricksJobConsumer) =>
    new JobsApi(c, await resolveSecret(deps.secrets, c.token, `consumer "${c.name}" token`), activitySignal());
  const hook = async (c: WebhookConsumer) =>
    new WebhookApi(c, c.secret ? await resolveSecret(deps.secrets, c.secret, `consumer "${c.name}" secret`) : undefined, activitySignal());

  /** Polls `done` every pollSeconds, heartbeating, until it answers or the deadline passes; a cancel stops the sleep. */
  async function pollUntil<T>(c: ConsumerConfig, minutes: number, done: () => Promise<T | undefined>, late: () => string): Promise<T> {
    const deadline = Date.now() + minutes * 60_000;
    for (;;) {
      const value = await done();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw ApplicationFailure.nonRetryable(late(), 'ConsumerTimeout');
      heartbeat();
      await sleep(c.pollSeconds * 1000);
    }
  }

  return {
    /**
     * Pauses a consumer before a runbook rewrites its tables' files: Databricks, each of the ingestion job's schedule,
     * trigger and continuous settings set to PAUSED (the previous pause_status remembered), then its active runs
     * cancelled (a continuous job keeps one run going); webhook, the `pause` event. Writes the pause record the doctor
     * reads. Idempotent: a retry finds the job paused and remembers what the pause record says was there before.
     */
    async pauseConsumer(input: { consumer: string; runbook: RunbookRef; tables: string[] }): Promise<PausedConsumer> {
      const c = find(input.consumer);
      const key = consumerPauseKey(c.name);
      let paused: PausedConsumer;
      if (c.kind === 'databricksJob') {
        const api = await jobs(c);
        const { settings } = await api.getJob(c.ingestionJobId);
        const earlier = await readPause(deps, key);
        const previous: PausedConsumer['previous'] = {};
        const update: JobSettings = {};
        for (const field of PAUSABLE_FIELDS) {
          const current = settings[field];
          if (!current) continue;
          // A retry after the update: the pause record (same run) knows the state from before.
          previous[field] =
            earlier?.workflowId === input.runbook.workflowId
              ? (earlier.paused.previous[field] ?? 'UNPAUSED')
              : (current.pause_status ?? 'UNPAUSED');
          if (current.pause_status !== 'PAUSED') update[field] = { ...current, pause_status: 'PAUSED' };
        }
        // Recorded before the change, so a worker lost between the two still leaves the finding and the command.
        paused = { consumer: c.name, kind: c.kind, previous, cancelledRuns: [], detail: '' };
        await putJsonObject(deps.s3, bucket, key, pauseRecord(c, input.runbook, input.tables, paused, new Date().toISOString()));
        if (Object.keys(update).length) await api.updateJob(c.ingestionJobId, update);
        for (const run of await api.activeRuns(c.ingestionJobId)) {
          await api.cancelRun(run.run_id);
          paused.cancelledRuns.push(run.run_id);
        }
        const fields = Object.keys(previous);
        paused.detail = `job ${c.ingestionJobId}: ${fields.length ? fields.map((f) => `${f} ${previous[f as keyof typeof previous]} -> PAUSED`).join(', ') : 'no schedule, trigger or continuous setting (runs only when started)'}${paused.cancelledRuns.length ? `; cancelled run(s) ${paused.cancelledRuns.join(', ')}` : ''}`;
      } else {
        paused = { consumer: c.name, kind: c.kind, previous: {}, cancelledRuns: [], detail: '' };
        await putJsonObject(deps.s3, bucket, key, pauseRecord(c, input.runbook, input.tables, paused, new Date().toISOString()));
        const answer = await (
          await hook(c)
        ).post<{ paused?: boolean; state?: unknown; message?: string }>({
          event: 'pause',
          workflowId: input.runbook.workflowId,
          runId: input.runbook.runId,
          runbook: input.runbook.kind,
          tables: input.tables,
          parameters: c.parameters,
        });
        if (answer.paused === false)
          throw ApplicationFailure.nonRetryable(
            `consumer "${c.name}" refused the pause: ${answer.message ?? 'no message'}. Nothing was changed on S3; fix the consumer and run the runbook again`,
            'ConsumerRefused',
          );
        paused.state = answer.state;
        paused.detail = `webhook paused${answer.message ? `: ${answer.message}` : ''}`;
      }
      await putJsonObject(deps.s3, bucket, key, pauseRecord(c, input.runbook, input.tables, paused, new Date().toISOString()));
      return paused;
    },

    /** Waits until the consumer has no run active (a run cancelled by the pause may take a while to end). Heartbeats. */
    async waitConsumerIdle(input: { consumer: string; runbook: RunbookRef }): Promise<string> {
      const c = find(input.consumer);
      if (c.kind === 'databricksJob') {
        const api = await jobs(c);
        let last: string[] = [];
        return pollUntil(
          c,
          c.idleTimeoutMinutes,
          async () => {
            const runs = await api.activeRuns(c.ingestionJobId);
            last = runs.map((r) => `run ${r.run_id} ${runStateText(r)}`);
            return runs.length ? undefined : `job ${c.ingestionJobId} has no active run`;
          },
          () =>
            `consumer "${c.name}": job ${c.ingestionJobId} still has active runs after ${c.idleTimeoutMinutes} min (${last.join('; ')}). ` +
            `Cancel them in the workspace (jobs/runs/cancel) and run the runbook again; nothing was changed on S3. To resume the job instead: ${resumeCommand(c)}`,
        );
      }
      const api = await hook(c);
      let message = '';
      return pollUntil(
        c,
        c.idleTimeoutMinutes,
        async () => {
          const answer = await api.post<{ active?: boolean; message?: string }>({ event: 'status', workflowId: input.runbook.workflowId });
          message = answer.message ?? '';
          return answer.active ? undefined : `idle${message ? `: ${message}` : ''}`;
        },
        () => `consumer "${c.name}" still reports active after ${c.idleTimeoutMinutes} min (${message || 'no message'})`,
      );
    },

    /**
     * Runs the consumer's rebuild of one table with the marker, and waits for it to end (heartbeating). Cancelling the
     * activity cancels the run. A rebuild that ends other than succeeded is a result, not an error: the workflow
     * decides what it means.
     */
    async rebuildConsumerTable(input: { consumer: string; table: string; markerKey: string; runbook: RunbookRef }): Promise<RebuildResult> {
      const c = find(input.consumer);
      const marker = `s3://${bucket}/${input.markerKey}`;
      const info = Context.current().info;
      // A retried attempt finds the run the first one started (heartbeat details) instead of starting another.
      const started = (info.heartbeatDetails as { runId?: string } | undefined)?.runId;
      if (c.kind === 'databricksJob') {
        if (c.rebuildJobId === undefined)
          throw ApplicationFailure.nonRetryable(
            `consumer "${c.name}" has no rebuildJobId: set it (docs/downstream.md#databricks-setup)`,
            'Refused',
          );
        const jobId = c.rebuildJobId;
        const api = await jobs(c);
        const runId = started ? Number(started) : await api.runNow(jobId, { ...c.parameters, table: input.table, marker: input.markerKey });
        heartbeat({ runId: String(runId) });
        try {
          const run = await pollUntil(
            c,
            c.rebuildTimeoutMinutes,
            async () => {
              const r = await api.getRun(runId);
              heartbeat({ runId: String(runId) });
              return runEnded(r) ? r : undefined;
            },
            () =>
              `consumer "${c.name}": rebuild run ${runId} of job ${jobId} for ${input.table} did not end within ${c.rebuildTimeoutMinutes} min`,
          );
          return {
            consumer: c.name,
            table: input.table,
            runId: String(runId),
            succeeded: runSucceeded(run),
            state: runStateText(run),
            url: run.run_page_url,
          };
        } catch (error) {
          if (activitySignal()?.aborted)
            await new JobsApi(c, await resolveSecret(deps.secrets, c.token, 'token')).cancelRun(runId).catch(() => undefined);
          throw error;
        }
      }
      const api = await hook(c);
      const base = {
        workflowId: input.runbook.workflowId,
        runId: input.runbook.runId,
        table: input.table,
        marker,
        markerKey: input.markerKey,
      };
      const rebuildId =
        started ?? (await api.post<{ rebuildId?: string }>({ event: 'rebuild', ...base, parameters: c.parameters })).rebuildId ?? 'sync';
      heartbeat({ runId: rebuildId });
      try {
        const answer = await pollUntil(
          c,
          c.rebuildTimeoutMinutes,
          async () => {
            const a = await api.post<{ state?: string; message?: string }>({ event: 'rebuild-status', ...base, rebuildId });
            heartbeat({ runId: rebuildId });
            return a.state === 'succeeded' || a.state === 'failed' ? a : undefined;
          },
          () => `consumer "${c.name}": rebuild ${rebuildId} of ${input.table} did not end within ${c.rebuildTimeoutMinutes} min`,
        );
        return {
          consumer: c.name,
          table: input.table,
          runId: rebuildId,
          succeeded: answer.state === 'succeeded',
          state: `${answer.state}${answer.message ? `: ${answer.message}` : ''}`,
        };
      } catch (error) {
        if (activitySignal()?.aborted)
          await new WebhookApi(c, c.secret ? await resolveSecret(deps.secrets, c.secret, 'secret') : undefined)
            .post({ event: 'cancel-rebuild', ...base, rebuildId })
            .catch(() => undefined);
        throw error;
      }
    },

    /** Puts the consumer back as the pause found it, and removes the pause record. */
    async resumeConsumer(input: { consumer: string; paused: PausedConsumer; runbook: RunbookRef }): Promise<string> {
      const c = find(input.consumer);
      let detail: string;
      if (c.kind === 'databricksJob') {
        const api = await jobs(c);
        const { settings } = await api.getJob(c.ingestionJobId);
        const update: JobSettings = {};
        for (const field of PAUSABLE_FIELDS) {
          const before = input.paused.previous[field];
          const current = settings[field];
          if (before && current && current.pause_status !== before) update[field] = { ...current, pause_status: before };
        }
        if (Object.keys(update).length) await api.updateJob(c.ingestionJobId, update);
        const fields = Object.keys(input.paused.previous);
        detail = `job ${c.ingestionJobId}: ${fields.length ? fields.map((f) => `${f} ${input.paused.previous[f as keyof PausedConsumer['previous']]}`).join(', ') : 'nothing to resume'}`;
      } else {
        await (
          await hook(c)
        ).post({ event: 'resume', workflowId: input.runbook.workflowId, runId: input.runbook.runId, state: input.paused.state });
        detail = 'webhook resumed';
      }
      await deleteIfMine(deps, consumerPauseKey(c.name), input.runbook.workflowId);
      return detail;
    },
  };
}

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* outside an activity (unit use) */
  }
}

async function sleep(ms: number): Promise<void> {
  try {
    await Context.current().sleep(ms);
  } catch (error) {
    if (error instanceof Error && /not in an activity|No activity context/i.test(error.message))
      await new Promise((r) => setTimeout(r, ms));
    else throw error;
  }
}

async function readPause(deps: ActivityDeps, key: string): Promise<PauseRecord | undefined> {
  return readJsonObject<PauseRecord>(deps.s3, deps.config.target.bucket, key);
}

async function deleteIfMine(deps: ActivityDeps, key: string, workflowId: string): Promise<void> {
  const record = await readPause(deps, key);
  if (record && record.workflowId !== workflowId) return;
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.target.bucket, Key: key }));
}
