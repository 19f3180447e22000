import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  Parameter,
} from '@aws-sdk/client-rds';
import type { RdsFacts } from '../domain/sourceReadiness';
import type { ActivityDeps } from './deps';

const WANTED_PARAMETERS = new Set(['binlog_format', 'binlog_row_image', 'binlog_checksum', 'binlog_expire_logs_seconds']);

/** Read-only RDS API views of the source: backup retention and the parameter group's binlog settings. */
export function rdsActivities(deps: ActivityDeps) {
  async function parameters(read: (marker?: string) => Promise<{ Parameters?: Parameter[]; Marker?: string }>) {
    const values: Record<string, string | undefined> = {};
    let marker: string | undefined;
    do {
      const page = await read(marker);
      for (const p of page.Parameters ?? []) {
        if (p.ParameterName && WANTED_PARAMETERS.has(p.ParameterName)) values[p.ParameterName] = p.ParameterValue;
      }
      marker = page.Marker;
    } while (marker);
    return values;
  }

  return {
    async readRdsFacts(input: {
      dbInstanceIdentifier?: string;
      dbClusterIdentifier?: string;
    }): Promise<{ facts?: RdsFacts; error?: string }> {
      try {
        if (input.dbClusterIdentifier) {
          const cluster = (await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: input.dbClusterIdentifier })))
            .DBClusters?.[0];
          if (!cluster) return { error: `DB cluster ${input.dbClusterIdentifier} not found` };
          const group = cluster.DBClusterParameterGroup;
          return {
            facts: {
              kind: 'cluster',
              identifier: input.dbClusterIdentifier,
              backupRetentionPeriod: cluster.BackupRetentionPeriod,
              parameterGroup: group,
              parameters: group
                ? await parameters((Marker) =>
                    deps.rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, Marker })),
                  )
                : {},
            },
          };
        }
        if (input.dbInstanceIdentifier) {
          const instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: input.dbInstanceIdentifier })))
            .DBInstances?.[0];
          if (!instance) return { error: `DB instance ${input.dbInstanceIdentifier} not found` };
          const group = instance.DBParameterGroups?.[0]?.DBParameterGroupName;
          return {
            facts: {
              kind: 'instance',
              identifier: input.dbInstanceIdentifier,
              backupRetentionPeriod: instance.BackupRetentionPeriod,
              parameterGroup: group,
              parameters: group
                ? await parameters((Marker) => deps.rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker })))
                : {},
            },
          };
        }
        return {};
      } catch (error) {
        const e = error as Error;
        // A wrong identifier or a missing permission is a finding for the report; anything else is retried.
        if (/NotFound|AccessDenied/.test(e.name)) return { error: `${e.name}: ${e.message}` };
        throw error;
      }
    },
  };
}
