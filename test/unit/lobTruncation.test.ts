import { lobTruncationFindings, type LobTruncationFacts } from '../../domain/doctor/lobTruncation';
import { lobSettingsOf } from '../../domain/taskSettings';

/** The doctor's LOB check: values longer than the task's LobMaxSize, which limited LOB mode truncates without an error. */

const at = '2026-06-10T12:00:00.000Z';
const taskArn = 'arn:aws:dms:us-east-1:123456789012:task:ABC';
const settingsJson = JSON.stringify({
  TargetMetadata: { SupportLobs: true, LimitedSizeLobMode: true, LobMaxSize: 32 },
  Logging: { EnableLogging: true },
});

function facts(maxBytes: Array<number | null>, patch: Partial<LobTruncationFacts> = {}): LobTruncationFacts {
  return {
    table: 'shop.reviews',
    task: 'shop-core',
    taskArn,
    settings: lobSettingsOf(settingsJson),
    settingsJson,
    measured: {
      columns: maxBytes.map((m, i) => ({ name: `c${i}`, dataType: i ? 'json' : 'longtext', maxBytes: m })),
      timedOut: false,
      seconds: 1,
    },
    timeoutSeconds: 600,
    ...patch,
  };
}

test('a value longer than LobMaxSize is a critical finding with table, column, longest length, LobMaxSize and the fix', () => {
  const [finding, ...rest] = lobTruncationFindings(facts([40_000, 100]), at);
  expect(rest).toEqual([]);
  expect(finding).toMatchObject({
    check: 'validation',
    severity: 'critical',
    subject: 'table shop.reviews',
    evidence: { table: 'shop.reviews', task: 'shop-core', columns: 'c0', longestBytes: 40_000, lobMaxSizeKb: 32, neededKb: 40 },
  });
  expect(finding!.title).toContain('c0 (longtext) up to 40000 bytes, longer than LobMaxSize 32 KB of task shop-core');
  // The fix sends the whole settings document back with LobMaxSize raised, stops the task first and reloads after.
  expect(finding!.remedy!.command).toBe(
    `aws dms modify-replication-task --replication-task-arn ${taskArn} --replication-task-settings '${JSON.stringify({
      TargetMetadata: { SupportLobs: true, LimitedSizeLobMode: true, LobMaxSize: 40, FullLobMode: false },
      Logging: { EnableLogging: true },
    })}'`,
  );
  expect(finding!.remedy!.steps![0]).toBe(`aws dms stop-replication-task --replication-task-arn ${taskArn}`);
  expect(finding!.remedy!.steps!.at(-1)).toContain('start fullReload');
  expect(finding!.remedy!.steps!.at(-1)).toContain('"tables":["shop.reviews"]');
});

test('values that fit, NULL-only columns, full LOB mode and tables without LOB columns are no finding', () => {
  expect(lobTruncationFindings(facts([32 * 1024, null]), at)).toEqual([]);
  expect(lobTruncationFindings(facts([]), at)).toEqual([]);
  const full = lobSettingsOf(JSON.stringify({ TargetMetadata: { FullLobMode: true, LimitedSizeLobMode: false } }));
  expect(lobTruncationFindings(facts([10_000_000], { settings: full }), at)).toEqual([]);
});

test('a measurement cut off by its time bound says so (info); values past 102400 KB have no LobMaxSize to fix them', () => {
  const timedOut = lobTruncationFindings(
    facts([null], { measured: { columns: [{ name: 'c0', dataType: 'longtext', maxBytes: null }], timedOut: true, seconds: 600 } }),
    at,
  );
  expect(timedOut).toMatchObject([{ severity: 'info', title: expect.stringContaining('could not be measured within 600 s') as unknown }]);
  const huge = lobTruncationFindings(facts([200 * 1024 * 1024]), at);
  expect(huge).toMatchObject([
    { severity: 'critical', title: expect.stringContaining('beyond the largest LobMaxSize DMS accepts') as unknown },
  ]);
  expect(huge[0]!.remedy).toBeUndefined();
});
