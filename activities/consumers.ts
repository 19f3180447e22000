import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  consumerPauseKey,
  otherHolders,
  PausedConsumer,
  PauseHolder,
  pauseRecord,
  PauseRecord,
  RebuildResult,
  resumeCommand,
} from '../domain/consumerCommands';
import { ConsumerConfig, DatabricksJobConsumer, WebhookConsumer } from '../domain/consumers';
import { activitySignal } from './activityCancellation';
import { JobsApi, JobSettings, PAUSABLE_FIELDS, resolveSecret, runEnded, runStateText, runSucceeded, WebhookApi } from './consumerApis';
import type { ActivityDeps } from './deps';
import { putJsonObject, readJsonObject } from './s3Objects';
import { runStatus } from './workflowRunStatus';

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

  /** The holders of a pause whose runs still run (they will resume it, or leave it to the next). */
  async function liveOnly(holders: PauseHolder[]): Promise<PauseHolder[]> {
    const statuses = await Promise.all(holders.map((h) => runStatus(deps, h.workflowId, h.runId)));
    return holders.filter((_, i) => statuses[i] === 'RUNNING');
  }
  const named = (holders: PauseHolder[]) => holders.map((h) => `${h.runbook} ${h.workflowId}`).join(', ');

  return {
    /**
     * Pauses a consumer before a runbook rewrites its tables' files: Databricks, each of the ingestion job's schedule,
     * trigger and continuous settings set to PAUSED (the previous pause_status remembered), then its active runs
     * cancelled (a continuous job keeps one run going); webhook, the `pause` event. Writes the pause record the doctor
     * reads. Idempotent: a retry finds the job paused and remembers what the pause record says was there before.
     * Shared: when another running runbook holds the consumer paused, this run joins it (added to the record's
     * holders) and changes nothing; the workflow calls this and resumeConsumer one run at a time per consumer.
     */
    async pauseConsumer(input: { consumer: string; runbook: RunbookRef; tables: string[] }): Promise<PausedConsumer> {
      const c = find(input.consumer);
      const key = consumerPauseKey(c.name);
      const earlier = await readPause(deps, key);
      const others = otherHolders(earlier, input.runbook.workflowId);
      const live = await liveOnly(others);
      const me: PauseHolder = {
        workflowId: input.runbook.workflowId,
        runId: input.runbook.runId,
        runbook: input.runbook.kind,
        tables: input.tables,
        pausedAt: new Date().toISOString(),
      };
      if (earlier && live.length) {
        await putJsonObject(deps.s3, bucket, key, { ...earlier, holders: [...others, me] });
        return {
          ...earlier.paused,
          cancelledRuns: [],
          joined: live.map((h) => h.workflowId),
          detail: `already paused by ${named(live)}: this run joined the pause (the last run to finish resumes the consumer)`,
        };
      }
      // The record: a new one, or, over a pause left by runs that ended (or this run's earlier attempt), the same one
      // with this run added, so what the first pause found is what the resume restores and the doctor still names it.
      const record = (paused: PausedConsumer): PauseRecord =>
        earlier ? { ...earlier, holders: [...others, me] } : pauseRecord(c, input.runbook, input.tables, paused, me.pausedAt);
      let paused: PausedConsumer;
      if (c.kind === 'databricksJob') {
        const api = await jobs(c);
        const { settings } = await api.getJob(c.ingestionJobId);
        const previous: PausedConsumer['previous'] = {};
        const update: JobSettings = {};
        for (const field of PAUSABLE_FIELDS) {
          const current = settings[field];
          if (!current) continue;
          previous[field] = earlier ? (earlier.paused.previous[field] ?? 'UNPAUSED') : (current.pause_status ?? 'UNPAUSED');
          if (current.pause_status !== 'PAUSED') update[field] = { ...current, pause_status: 'PAUSED' };
        }
        // Recorded before the change, so a worker lost between the two still leaves the finding and the command.
        paused = { consumer: c.name, kind: c.kind, previous, cancelledRuns: [], detail: '' };
        await putJsonObject(deps.s3, bucket, key, record(paused));
        if (Object.keys(update).length) await api.updateJob(c.ingestionJobId, update);
        for (const run of await api.activeRuns(c.ingestionJobId)) {
          await api.cancelRun(run.run_id);
          paused.cancelledRuns.push(run.run_id);
        }
        const fields = Object.keys(previous);
        paused.detail = `job ${c.ingestionJobId}: ${fields.length ? fields.map((f) => `${f} ${previous[f as keyof typeof previous]} -> PAUSED`).join(', ') : 'no schedule, trigger or continuous setting (runs only when started)'}${paused.cancelledRuns.length ? `; cancelled run(s) ${paused.cancelledRuns.join(', ')}` : ''}`;
      } else {
        paused = { consumer: c.name, kind: c.kind, previous: {}, cancelledRuns: [], detail: '' };
        await putJsonObject(deps.s3, bucket, key, record(paused));
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
        paused.state = earlier ? earlier.paused.state : answer.state;
        paused.detail = `webhook paused${answer.message ? `: ${answer.message}` : ''}`;
      }
      if (others.length) paused.detail += `; left paused before by ${named(others)}, which ended without resuming it`;
      await putJsonObject(deps.s3, bucket, key, record(paused));
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

    /**
     * Puts the consumer back as the first pause found it, and removes the pause record; while another running runbook
     * still holds the pause, only takes this run off the record's holders.
     */
    async resumeConsumer(input: { consumer: string; paused: PausedConsumer; runbook: RunbookRef }): Promise<string> {
      const c = find(input.consumer);
      const key = consumerPauseKey(c.name);
      const record = await readPause(deps, key);
      const others = otherHolders(record, input.runbook.workflowId);
      if (record && others.length) {
        // Another run needs it paused, or one ended without resuming it (a failed rebuild leaves it so on purpose):
        // this run only leaves the record, which the doctor reports once no holder runs.
        await putJsonObject(deps.s3, bucket, key, { ...record, holders: others });
        const live = await liveOnly(others);
        return live.length
          ? `kept paused for ${named(live)}: the last of them resumes it`
          : `kept paused: ${named(others)} ended without resuming it; pipelineDoctor reports it with the resume command`;
      }
      const paused = record?.paused ?? input.paused;
      let detail: string;
      if (c.kind === 'databricksJob') {
        const api = await jobs(c);
        const { settings } = await api.getJob(c.ingestionJobId);
        const update: JobSettings = {};
        for (const field of PAUSABLE_FIELDS) {
          const before = paused.previous[field];
          const current = settings[field];
          if (before && current && current.pause_status !== before) update[field] = { ...current, pause_status: before };
        }
        if (Object.keys(update).length) await api.updateJob(c.ingestionJobId, update);
        const fields = Object.keys(paused.previous);
        detail = `job ${c.ingestionJobId}: ${fields.length ? fields.map((f) => `${f} ${paused.previous[f as keyof PausedConsumer['previous']]}`).join(', ') : 'nothing to resume'}`;
      } else {
        await (
          await hook(c)
        ).post({ event: 'resume', workflowId: input.runbook.workflowId, runId: input.runbook.runId, state: paused.state });
        detail = 'webhook resumed';
      }
      await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
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
