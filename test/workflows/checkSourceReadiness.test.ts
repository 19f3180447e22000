import type { Connection } from 'mysql2/promise';
import { startRunbook } from '../../client/runbooks';
import type { ReadinessReport } from '../../domain/sourceReadiness';
import { captureHistory } from '../support/histories';
import { sourceAdmin } from '../support/sourceAdmin';
import { startTestWorker, TestWorker } from '../support/testWorker';

let tw: TestWorker;
let admin: Connection;

beforeAll(async () => {
  tw = await startTestWorker();
  admin = await sourceAdmin();
});
afterAll(async () => {
  await tw?.stop();
  await admin?.end();
});

async function run(input: Record<string, unknown>, capture?: string) {
  const handle = await startRunbook(tw.client, 'checkSourceReadiness', input as never, { taskQueue: tw.taskQueue });
  const result = await handle.result();
  if (capture) await captureHistory(handle, 'checkSourceReadiness', capture);
  return result;
}

describe('checkSourceReadiness against MariaDB and moto RDS', () => {
  test('the sandbox source passes every check, with the values seen', async () => {
    const result = await run({ source: 'shop' }, 'ready');
    const report = result.report as ReadinessReport;
    expect(result.outcome).toBe('succeeded');
    expect(report.passed).toBe(true);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId.binlog_format!.seen).toBe('ROW');
    expect(byId.binlog_row_image!.seen).toBe('FULL');
    expect(byId.binlog_retention!.seen).toContain('7 days');
    expect(byId.grants!.status).toBe('pass');
    expect(byId.rds_backup_retention!.seen).toBe('7 days');
    expect(byId.rds_param_binlog_format!.seen).toBe('ROW');
    expect(result.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
  });

  test('a retention of one day fails with the remediation; the setting is restored', async () => {
    const [[before]] = (await admin.query('SELECT @@global.binlog_expire_logs_seconds AS s')) as any;
    await admin.query('SET GLOBAL binlog_expire_logs_seconds = 86400');
    try {
      const result = await run({ source: 'shop' }, 'not-ready-retention');
      const report = result.report as ReadinessReport;
      expect(report.passed).toBe(false);
      expect(result.message).toContain('binlog_retention');
      const retention = report.checks.find((c) => c.id === 'binlog_retention')!;
      expect(retention.status).toBe('fail');
      expect(retention.seen).toBe('1 days (binlog_expire_logs_seconds)');
      expect(retention.remediation).toContain('SET GLOBAL binlog_expire_logs_seconds = 604800');
    } finally {
      await admin.query(`SET GLOBAL binlog_expire_logs_seconds = ${Number(before.s)}`);
    }
  });

  test('an unknown RDS instance is reported as a failed check, not a crash', async () => {
    const result = await run({ source: 'shop', dbInstanceIdentifier: 'no-such-db' });
    const check = (result.report as ReadinessReport).checks.find((c) => c.id === 'rds_api')!;
    expect(check.status).toBe('fail');
    expect(check.seen).toContain('no-such-db');
  });
});
