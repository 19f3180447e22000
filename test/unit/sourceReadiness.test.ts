import { evaluateSourceReadiness, grantedPrivileges, SourceFacts } from '../../domain/sourceReadiness';

const ready: SourceFacts = {
  source: 'shop',
  engine: 'mysql',
  version: '8.0.36',
  variables: {
    log_bin: 'ON',
    binlog_format: 'ROW',
    binlog_row_image: 'FULL',
    binlog_checksum: 'NONE',
    server_id: '1',
    binlog_expire_logs_seconds: '604800',
  },
  grants: ["GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'dms'@'%'"],
};
const options = { minRetentionDays: 7, schemas: ['shop'], dmsUser: 'dms' };
const byId = (facts: SourceFacts) => Object.fromEntries(evaluateSourceReadiness(facts, options).checks.map((c) => [c.id, c]));

describe('source readiness evaluation', () => {
  test('a DMS-ready source passes every check', () => {
    const report = evaluateSourceReadiness(ready, options);
    expect(report.passed).toBe(true);
    expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
  });

  test('statement-based binlog fails with the fix', () => {
    const check = byId({ ...ready, variables: { ...ready.variables, binlog_format: 'MIXED' } }).binlog_format!;
    expect(check.status).toBe('fail');
    expect(check.seen).toBe('MIXED');
    expect(check.remediation).toContain('binlog_format = ROW');
  });

  test('retention under 7 days fails; on RDS the remediation is rds_set_configuration', () => {
    const short = byId({ ...ready, rdsRetentionHours: 24 }).binlog_retention!;
    expect(short.status).toBe('fail');
    expect(short.seen).toContain('1 days');
    expect(short.remediation).toContain("CALL mysql.rds_set_configuration('binlog retention hours', 168)");
    expect(byId({ ...ready, rdsRetentionHours: null }).binlog_retention!.status).toBe('fail');
    expect(byId({ ...ready, rdsRetentionHours: 168 }).binlog_retention!.status).toBe('pass');
  });

  test('MariaDB names REPLICATION CLIENT "BINLOG MONITOR"; a missing grant is named', () => {
    expect(grantedPrivileges(['GRANT SELECT, BINLOG MONITOR, REPLICATION SLAVE ON *.* TO `dms`@`%`']).has('REPLICATION CLIENT')).toBe(true);
    const check = byId({ ...ready, grants: ["GRANT SELECT ON *.* TO 'dms'@'%'"] }).grants!;
    expect(check.status).toBe('fail');
    expect(check.remediation).toBe("GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms'@'%';");
  });

  test('RDS facts: no automated backups means no binlog', () => {
    const checks = byId({
      ...ready,
      rds: {
        kind: 'instance',
        identifier: 'db1',
        backupRetentionPeriod: 0,
        parameterGroup: 'pg',
        parameters: { binlog_format: 'ROW', binlog_row_image: 'MINIMAL' },
      },
    });
    expect(checks.rds_backup_retention!.status).toBe('fail');
    expect(checks.rds_param_binlog_row_image!.status).toBe('fail');
    expect(checks.rds_param_binlog_format!.status).toBe('pass');
  });
});
