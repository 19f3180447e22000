import os from 'node:os';
import type { WorkflowHandle } from '@temporalio/client';
import { approveSignal, statusQuery } from '../contracts/handlers';
import { uniqueName } from '../test/support/scratchTables';
import { testConfig } from '../test/support/testConfig';
import { maxCachedWorkflowsFromEnv } from '../worker/cacheSize';
import { workflowHeapMbFromEnv } from '../worker/workflowHeap';
import {
  benchEnv,
  percentile,
  processCpuSeconds,
  startBenchWorker,
  temporalClient,
  temporalServerPid,
  workerShape,
  writeResult,
} from './benchSupport';

/**
 * One worker on this machine with 500 runbooks started and parked at a gate: its resident memory, and the time
 * from an approval signal to the next activity starting (p50, p95), read from the server's own event times.
 */
const RUNBOOKS = Number(process.env.BENCH_PARKED ?? 500);
const SAMPLED = 100;

export async function parkedRunbooks(): Promise<Record<string, unknown>> {
  benchEnv();
  const { client, close } = await temporalClient();
  const worker = await startBenchWorker(testConfig(), `bench-parked-${uniqueName('q')}`);
  const rssIdle = worker.rssMb();
  const handles: WorkflowHandle[] = [];
  const started = Date.now();
  try {
    for (let i = 0; i < RUNBOOKS; i += 25) {
      handles.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(25, RUNBOOKS - i) }, (_, k) =>
            client.workflow.start('parkedRunbook', {
              taskQueue: worker.queue,
              workflowId: uniqueName(`bench-parked-${i + k}-`),
              args: [{ id: `r${i + k}` }],
            }),
          ),
        )),
      );
    }
    for (const handle of handles) {
      while ((await handle.query(statusQuery).catch(() => undefined))?.pendingGate?.gate !== 'go')
        await new Promise((r) => setTimeout(r, 100));
    }
    const parkedSeconds = (Date.now() - started) / 1000;
    const rssParked = worker.rssMb();
    // Latency: approvals one at a time while every other runbook stays parked (the worker's cache full).
    const sampled = handles.slice(0, SAMPLED);
    const latencies: number[] = [];
    for (const handle of sampled) {
      await handle.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'bench' });
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const signal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
      const next = events.slice(signal).find((e) => e.activityTaskStartedEventAttributes);
      const ms = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
      if (signal >= 0 && next) latencies.push(ms(next) - ms(events[signal]!));
    }
    // Throughput: the rest approved at once.
    const server = temporalServerPid();
    const cpuBefore = { worker: worker.cpuSeconds(), server: processCpuSeconds(server) };
    const burstStart = Date.now();
    const rest = handles.slice(SAMPLED);
    for (let i = 0; i < rest.length; i += 25) {
      await Promise.all(rest.slice(i, i + 25).map((h) => h.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'bench' })));
    }
    await Promise.all(rest.map((h) => h.result()));
    const burstSeconds = (Date.now() - burstStart) / 1000;
    // Where the burst's time goes: CPU seconds per approved runbook in the worker and in the Temporal server, and the
    // share of a core each used; a process near the share of CPU the machine can give it is the limit.
    const cpu = (after: number | undefined, before: number | undefined) =>
      after === undefined || before === undefined
        ? undefined
        : { msPerRunbook: Math.round(((after - before) * 1000) / rest.length), cores: +((after - before) / burstSeconds).toFixed(2) };
    const burstCpu = {
      worker: cpu(worker.cpuSeconds(), cpuBefore.worker),
      temporalServer: cpu(processCpuSeconds(server), cpuBefore.server),
    };
    const result = {
      runbooks: RUNBOOKS,
      worker: {
        shape: workerShape(),
        maxCachedWorkflows: maxCachedWorkflowsFromEnv(),
        workflowHeapMb: workflowHeapMbFromEnv(maxCachedWorkflowsFromEnv()),
        nodeFlags: process.env.BENCH_NODE_FLAGS ?? '',
      },
      load: os.loadavg().map((l) => +l.toFixed(1)),
      secondsToParkAll: +parkedSeconds.toFixed(1),
      workerRssMb: {
        idle: Math.round(rssIdle),
        withAllParked: Math.round(rssParked),
        perRunbookKb: Math.round(((rssParked - rssIdle) * 1024) / RUNBOOKS),
      },
      approvalToNextActivityMs: {
        samples: latencies.length,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        max: Math.max(...latencies),
      },
      burstOfApprovals: {
        runbooks: rest.length,
        seconds: +burstSeconds.toFixed(1),
        perSecond: +(rest.length / burstSeconds).toFixed(1),
        cpu: burstCpu,
      },
      note: 'parkedRunbook is a runbook on the real engine (status, gate, audit, search attributes, notifications) whose gate opens at once. Latency: 100 approvals one at a time while the others stay parked, from the server-side signal event to the next ActivityTaskStarted event; then the other 400 approved at once for throughput',
    };
    writeResult(process.env.BENCH_RESULT_NAME ?? 'parked-runbooks', result);
    return result;
  } finally {
    await worker.stop();
    await close();
  }
}

if (require.main === module) {
  parkedRunbooks().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
