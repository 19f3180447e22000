/**
 * Source readiness for DMS CDC from MySQL / Aurora MySQL / MariaDB: pure evaluation of the facts read from the
 * live database and the RDS API into checks, each with the value seen, the value wanted and the fix.
 */

export interface RdsFacts {
  kind: 'instance' | 'cluster';
  identifier: string;
  backupRetentionPeriod?: number;
  parameterGroup?: string;
  /** Parameter values set in the (cluster) parameter group; absent = engine default. */
  parameters: Record<string, string | undefined>;
}

export interface SourceFacts {
  source: string;
  engine: 'mysql' | 'aurora-mysql' | 'mariadb';
  version: string;
  variables: Record<string, string | null>;
  /** `binlog retention hours` from mysql.rds_show_configuration, when the procedure exists. */
  rdsRetentionHours?: number | null;
  grants: string[];
  rds?: RdsFacts;
  rdsError?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface ReadinessCheck {
  id: string;
  title: string;
  status: CheckStatus;
  seen: string;
  wanted: string;
  remediation?: string;
}

export interface ReadinessReport {
  source: string;
  passed: boolean;
  checks: ReadinessCheck[];
}

function check(
  id: string,
  title: string,
  ok: boolean,
  seen: string,
  wanted: string,
  remediation: string,
  failStatus: CheckStatus = 'fail',
): ReadinessCheck {
  return ok ? { id, title, status: 'pass', seen, wanted } : { id, title, status: failStatus, seen, wanted, remediation };
}

const upper = (value: string | null | undefined) => (value ?? '').toUpperCase();

/** Retention in hours as the source reports it; undefined when it keeps binlogs until purged by hand. */
export function retentionHours(facts: SourceFacts): { hours: number | undefined; via: string } {
  if (facts.rdsRetentionHours !== undefined) {
    return { hours: facts.rdsRetentionHours ?? 0, via: "mysql.rds_show_configuration 'binlog retention hours'" };
  }
  const seconds = Number(facts.variables.binlog_expire_logs_seconds ?? 0);
  if (seconds > 0) return { hours: seconds / 3600, via: 'binlog_expire_logs_seconds' };
  const days = Number(facts.variables.expire_logs_days ?? 0);
  if (days > 0) return { hours: days * 24, via: 'expire_logs_days' };
  return { hours: undefined, via: 'binlog_expire_logs_seconds = 0 and expire_logs_days = 0' };
}

/** Grants normalised to privilege names; MariaDB 10.5+ says BINLOG MONITOR for REPLICATION CLIENT. */
export function grantedPrivileges(grants: string[]): Set<string> {
  const privileges = new Set<string>();
  for (const grant of grants) {
    const match = /^GRANT (.+?) ON (\S+) TO /i.exec(grant);
    if (!match) continue;
    const on = match[2]!;
    for (const raw of match[1]!.split(',')) {
      const privilege = raw.trim().toUpperCase();
      if (privilege === 'ALL PRIVILEGES' || privilege === 'ALL') {
        ['SELECT', 'REPLICATION CLIENT', 'REPLICATION SLAVE'].forEach((p) => privileges.add(on === '*.*' ? p : `${p} ON ${on}`));
      } else if (privilege === 'BINLOG MONITOR') {
        privileges.add('REPLICATION CLIENT');
      } else if (privilege === 'REPLICATION REPLICA') {
        privileges.add('REPLICATION SLAVE');
      } else {
        privileges.add(on === '*.*' ? privilege : `${privilege} ON ${on}`);
      }
    }
  }
  return privileges;
}

export function evaluateSourceReadiness(
  facts: SourceFacts,
  options: { minRetentionDays: number; schemas: string[]; dmsUser: string },
): ReadinessReport {
  const v = facts.variables;
  const onRds = facts.rdsRetentionHours !== undefined || facts.rds !== undefined;
  const setVar = (name: string, value: string) =>
    onRds
      ? `set ${name}=${value} in the DB ${facts.engine === 'aurora-mysql' ? 'cluster ' : ''}parameter group and reboot`
      : `SET GLOBAL ${name} = ${value}; and persist it in the server's my.cnf`;
  const checks: ReadinessCheck[] = [];

  checks.push(
    check(
      'log_bin',
      'Binary log enabled',
      upper(v.log_bin) === 'ON' || v.log_bin === '1',
      v.log_bin ?? 'unknown',
      'ON',
      onRds
        ? 'turn on automated backups (backup retention ≥ 1 day): RDS enables the binary log with them'
        : 'start the server with --log-bin and --server-id',
    ),
  );
  checks.push(
    check(
      'binlog_format',
      'Binary log format',
      upper(v.binlog_format) === 'ROW',
      v.binlog_format ?? 'unknown',
      'ROW',
      setVar('binlog_format', 'ROW'),
    ),
  );
  checks.push(
    check(
      'binlog_row_image',
      'Binary log row image',
      upper(v.binlog_row_image) === 'FULL',
      v.binlog_row_image ?? 'unknown',
      'FULL',
      setVar('binlog_row_image', 'FULL'),
    ),
  );
  checks.push(
    check(
      'binlog_checksum',
      'Binary log checksum',
      upper(v.binlog_checksum) === 'NONE',
      v.binlog_checksum ?? 'unknown',
      'NONE',
      `${setVar('binlog_checksum', 'NONE')} (needed by DMS engines before 3.4; newer engines accept CRC32)`,
      'warn',
    ),
  );
  const serverId = Number(v.server_id ?? 0);
  checks.push(check('server_id', 'Server id', serverId >= 1, String(v.server_id ?? 'unknown'), '≥ 1', setVar('server_id', '1')));

  const minHours = options.minRetentionDays * 24;
  const retention = retentionHours(facts);
  // RDS and Aurora keep retention in a procedure; elsewhere it is a server variable (MySQL 8 and MariaDB alike).
  const retentionFix =
    facts.rdsRetentionHours !== undefined
      ? `CALL mysql.rds_set_configuration('binlog retention hours', ${Math.ceil(minHours)});`
      : `SET GLOBAL binlog_expire_logs_seconds = ${Math.ceil(minHours * 3600)}; and persist it (my.cnf or the DB parameter group)`;
  if (retention.hours === undefined) {
    checks.push({
      id: 'binlog_retention',
      title: 'Binary log retention',
      status: 'warn',
      seen: `unlimited (${retention.via}): binlogs are kept until purged by hand`,
      wanted: `≥ ${options.minRetentionDays} days`,
      remediation: `set a bounded retention that is still ≥ ${options.minRetentionDays} days, or make sure nothing purges binlogs DMS still needs: ${retentionFix}`,
    });
  } else {
    const days = retention.hours / 24;
    checks.push(
      check(
        'binlog_retention',
        'Binary log retention',
        retention.hours >= minHours,
        `${+days.toFixed(2)} days (${retention.via})`,
        `≥ ${options.minRetentionDays} days`,
        `${retentionFix} — events were lost once with less`,
      ),
    );
  }

  const privileges = grantedPrivileges(facts.grants);
  const missing = ['REPLICATION CLIENT', 'REPLICATION SLAVE'].filter((p) => !privileges.has(p));
  const selectMissing = options.schemas.filter(
    (schema) => !privileges.has('SELECT') && !privileges.has(`SELECT ON \`${schema}\`.*`) && !privileges.has(`SELECT ON ${schema}.*`),
  );
  if (selectMissing.length) missing.push(`SELECT on ${selectMissing.join(', ')}`);
  checks.push(
    check(
      'grants',
      `Grants of ${options.dmsUser}`,
      missing.length === 0,
      [...privileges].sort().join(', ') || 'none',
      'REPLICATION CLIENT, REPLICATION SLAVE, SELECT',
      `GRANT ${missing.map((m) => m.replace(/ on .*/, '')).join(', ')} ON *.* TO '${options.dmsUser}'@'%';`,
    ),
  );

  if (facts.rds) {
    const rds = facts.rds;
    const label = `${rds.kind === 'cluster' ? 'DB cluster' : 'DB instance'} ${rds.identifier}`;
    const retentionDays = rds.backupRetentionPeriod ?? 0;
    checks.push(
      check(
        'rds_backup_retention',
        `Automated backups of ${label}`,
        retentionDays >= 1,
        `${retentionDays} days`,
        '≥ 1 day (the binary log exists only with automated backups)',
        `aws rds modify-db-${rds.kind} --db-${rds.kind}-identifier ${rds.identifier} --backup-retention-period 7 --apply-immediately`,
      ),
    );
    for (const [name, wanted] of [
      ['binlog_format', 'ROW'],
      ['binlog_row_image', 'FULL'],
    ] as const) {
      const value = rds.parameters[name];
      checks.push(
        check(
          `rds_param_${name}`,
          `${name} in parameter group ${rds.parameterGroup ?? '(none)'}`,
          upper(value) === wanted,
          value ?? 'engine default',
          wanted,
          `aws rds modify-db-${rds.kind === 'cluster' ? 'cluster-' : ''}parameter-group --db-${rds.kind === 'cluster' ? 'cluster-' : ''}parameter-group-name ${rds.parameterGroup ?? '<group>'} --parameters ParameterName=${name},ParameterValue=${wanted},ApplyMethod=pending-reboot`,
        ),
      );
    }
  } else if (facts.rdsError) {
    checks.push({
      id: 'rds_api',
      title: 'RDS API view of the source',
      status: 'fail',
      seen: facts.rdsError,
      wanted: 'the DB instance or cluster described',
      remediation: 'check dbInstanceIdentifier / dbClusterIdentifier and the worker’s rds:Describe* permissions',
    });
  }

  return { source: facts.source, passed: checks.every((c) => c.status !== 'fail'), checks };
}
