import type { RowDataPacket } from 'mysql2/promise';
import { activityHarness } from '../support/activityHarness';

/** A cancelled source query is killed on MariaDB (KILL QUERY), not left scanning after the activity gave up. */

let h: Awaited<ReturnType<typeof activityHarness>>;
beforeAll(async () => {
  h = await activityHarness();
});
afterAll(() => h.close());

test('aborting the signal ends the running statement on the server within a second', async () => {
  const source = h.deps.config.sources[0]!.name;
  const abort = new AbortController();
  const started = Date.now();
  const running = h.deps.sources.cancellableQuery<RowDataPacket>(source, 'SELECT SLEEP(30) AS slept', abort.signal);
  await new Promise((r) => setTimeout(r, 500));
  abort.abort();
  // A killed SLEEP() either returns 1 with no error (as the MySQL manual describes an interrupted SLEEP) or fails with
  // ER_QUERY_INTERRUPTED: either way the statement ended early.
  const outcome = await running.then(
    (rows) => rows[0]?.slept as unknown,
    (error: { code?: string }) => error.code,
  );
  expect([1, '1', 'ER_QUERY_INTERRUPTED']).toContain(outcome);
  expect(Date.now() - started).toBeLessThan(5000);
  const still = await h.deps.sources.query<RowDataPacket>(
    source,
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'",
  );
  expect(Number(still[0]!.n)).toBe(0);
});
