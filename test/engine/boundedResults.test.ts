import { WorkflowFailedError } from '@temporalio/client';
import { RESULT_LIMIT_BYTES, storedResultKey, textParts, utf8Bytes } from '../../domain/boundedResult';
import { Drills, startDrills } from './drillHarness';

/**
 * A runbook's result or failure too large to return goes whole to S3 in parts; the run returns a summary with its
 * place, and no payload of the run (activity inputs included) is larger than the limit. On the time-skipping server,
 * with the engine's real activities and their bucket in memory.
 */

let drills: Drills;

beforeAll(async () => {
  drills = await startDrills();
});

afterAll(() => drills?.stop());

/** The largest payload of the run's history: each activity's input, the result, the failure. */
async function largestPayload(workflowId: string): Promise<number> {
  const history = await drills.env.client.workflow.getHandle(workflowId).fetchHistory();
  let largest = 0;
  for (const event of history.events ?? []) {
    const payloads = [
      ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(event.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ];
    for (const p of payloads) largest = Math.max(largest, p.data?.length ?? 0);
    const failure = event.workflowExecutionFailedEventAttributes?.failure;
    if (failure) largest = Math.max(largest, JSON.stringify(failure).length);
  }
  return largest;
}

const stored = (location: string) => drills.s3.objects.get(location.replace('s3://', ''));

test('a 600 KB report: stored whole on S3 (characters outside the BMP intact), the result a summary, every payload under the limit', async () => {
  const handle = await drills.start({ target: 'shop.big_report', gates: [], reportKb: 600 });
  const result = (await handle.result()) as Awaited<ReturnType<typeof handle.result>> & { stored?: { location: string; bytes: number } };
  expect(result.outcome).toBe('succeeded');
  expect(result.report).toBeUndefined();
  expect(result.stored!.location).toBe(
    `s3://${drills.config.target.bucket}/${storedResultKey(handle.workflowId, handle.firstExecutionRunId)}`,
  );
  expect(result.message).toMatch(/^drill shop\.big_report done \(the whole result, \d+ KB, is at s3:\/\/.*\.json\)$/);
  const whole = JSON.parse(stored(result.stored!.location)!) as { report: { tables: string[] }; outcome: string };
  expect(whole.outcome).toBe('succeeded');
  expect(whole.report.tables[50]).toBe('shop.t000050_ok😀');
  expect(utf8Bytes(JSON.stringify(whole))).toBe(result.stored!.bytes);
  expect(result.stored!.bytes).toBeGreaterThan(600 * 1024);
  // The parts are gone once joined.
  expect([...drills.s3.objects.keys()].filter((k) => k.includes('.parts/'))).toEqual([]);
  expect(await largestPayload(handle.workflowId)).toBeLessThan(RESULT_LIMIT_BYTES);
});

test('a small report is returned as is, with no call to store it', async () => {
  const handle = await drills.start({ target: 'shop.small_report', gates: [], reportKb: 10 });
  const result = (await handle.result()) as Awaited<ReturnType<typeof handle.result>> & { stored?: unknown };
  expect((result.report as unknown as { tables: string[] }).tables.length).toBeGreaterThan(100);
  expect(result.stored).toBeUndefined();
  const history = await handle.fetchHistory();
  const activities = history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(activities).not.toContain('storeResultPart');
});

test('a failure with a 400 KB message: shortened, linked, and stored whole', async () => {
  const handle = await drills.start({ target: 'shop.big_failure', gates: [], failAfterGates: true, reportKb: 400 });
  const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const message = error.cause!.message;
  expect(message.length).toBeLessThan(9000);
  const location = /is at (s3:\/\/\S+\.json)\)$/.exec(message)![1]!;
  const whole = JSON.parse(stored(location)!) as { message: string; details: { steps: unknown[] } };
  expect(whole.message.length).toBeGreaterThan(400 * 1024);
  expect(whole.details.steps.length).toBe(3);
  expect(await largestPayload(handle.workflowId)).toBeLessThan(RESULT_LIMIT_BYTES);
});

test('parts never split a surrogate pair', () => {
  const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
  const parts = textParts(text, 10);
  expect(parts.join('')).toBe(text);
  expect(parts[0]).toBe('a'.repeat(9));
  expect(utf8Bytes('é😀')).toBe(6);
});
