import { resourceIdOf } from './arns';
import { describedS3Settings } from './s3SettingsDefaults';
import type { ConnectionRecord, EndpointRecord, InstanceRecord, TableRecord, TaskRecord } from './emulatorState';

/** How the emulator's records look on the wire: the DMS API's field names, timestamps as epoch seconds. */

export const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms) / 1000);

const ENGINE_DISPLAY: Record<string, string> = {
  mysql: 'MySQL',
  'aurora-mysql': 'Amazon Aurora MySQL',
  mariadb: 'MariaDB',
  aurora: 'Amazon Aurora MySQL',
  s3: 'Amazon S3',
};

export function instanceShape(instance: InstanceRecord): Record<string, unknown> {
  const pending = instance.pending && Object.keys(instance.pending).length > 0 ? instance.pending : {};
  return {
    ReplicationInstanceIdentifier: instance.identifier,
    ReplicationInstanceClass: instance.instanceClass,
    ReplicationInstanceStatus: instance.status,
    AllocatedStorage: instance.allocatedStorage,
    InstanceCreateTime: epochSeconds(instance.createdAt),
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0sandbox', Status: 'active' }],
    AvailabilityZone: instance.availabilityZone,
    ReplicationSubnetGroup: {
      ReplicationSubnetGroupIdentifier: 'default',
      ReplicationSubnetGroupDescription: 'default',
      VpcId: 'vpc-0sandbox',
      SubnetGroupStatus: 'Complete',
      Subnets: [],
      SupportedNetworkTypes: ['IPV4'],
    },
    PreferredMaintenanceWindow: instance.preferredMaintenanceWindow,
    PendingModifiedValues: pending,
    MultiAZ: instance.multiAZ,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: instance.autoMinorVersionUpgrade,
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/sandbox',
    ReplicationInstanceArn: instance.arn,
    ReplicationInstancePrivateIpAddress: '10.0.0.10',
    ReplicationInstancePrivateIpAddresses: ['10.0.0.10'],
    ReplicationInstancePublicIpAddresses: [],
    PubliclyAccessible: instance.publiclyAccessible,
    NetworkType: instance.networkType,
  };
}

/** `fillS3Defaults`: S3Settings with DMS's documented defaults filled in (s3SettingsDefaults.ts). */
export function endpointShape(endpoint: EndpointRecord, fillS3Defaults = true): Record<string, unknown> {
  const mySql = endpoint.mySqlSettings ? { ...endpoint.mySqlSettings } : undefined;
  if (mySql) delete mySql.Password;
  return {
    EndpointIdentifier: endpoint.identifier,
    EndpointType: endpoint.endpointType.toUpperCase(),
    EngineName: endpoint.engineName,
    EngineDisplayName: ENGINE_DISPLAY[endpoint.engineName] ?? endpoint.engineName,
    Username: endpoint.username,
    ServerName: endpoint.serverName,
    Port: endpoint.port,
    DatabaseName: endpoint.databaseName,
    ExtraConnectionAttributes: endpoint.extraConnectionAttributes ?? '',
    Status: 'active',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/sandbox',
    EndpointArn: endpoint.arn,
    SslMode: endpoint.sslMode,
    ServiceAccessRoleArn: endpoint.s3Settings?.ServiceAccessRoleArn,
    S3Settings: describedS3Settings(endpoint.s3Settings, fillS3Defaults),
    MySQLSettings: mySql,
  };
}

export function taskShape(task: TaskRecord, withoutSettings: boolean): Record<string, unknown> {
  const s = task.stats;
  const shape: Record<string, unknown> = {
    ReplicationTaskIdentifier: task.identifier,
    SourceEndpointArn: task.sourceEndpointArn,
    TargetEndpointArn: task.targetEndpointArn,
    ReplicationInstanceArn: task.instanceArn,
    MigrationType: task.migrationType,
    Status: task.status,
    LastFailureMessage: task.lastFailureMessage,
    StopReason: task.stopReason,
    ReplicationTaskCreationDate: epochSeconds(task.createdAt),
    ReplicationTaskStartDate: epochSeconds(task.startDate),
    CdcStartPosition: task.cdcStartPosition,
    CdcStopPosition: task.cdcStopPosition,
    RecoveryCheckpoint: task.recoveryCheckpoint,
    ReplicationTaskArn: task.arn,
    ReplicationTaskStats: {
      FullLoadProgressPercent: s.fullLoadProgressPercent,
      ElapsedTimeMillis: s.elapsedTimeMillis,
      TablesLoaded: s.tablesLoaded,
      TablesLoading: s.tablesLoading,
      TablesQueued: s.tablesQueued,
      TablesErrored: s.tablesErrored,
      FreshStartDate: epochSeconds(s.freshStartDate),
      StartDate: epochSeconds(s.startDate),
      StopDate: epochSeconds(s.stopDate),
      FullLoadStartDate: epochSeconds(s.fullLoadStartDate),
      FullLoadFinishDate: epochSeconds(s.fullLoadFinishDate),
    },
  };
  if (!withoutSettings) {
    shape.TableMappings = task.tableMappings;
    shape.ReplicationTaskSettings = task.settings;
    if (task.taskData !== undefined) shape.TaskData = task.taskData;
  }
  return shape;
}

export function tableStatisticsShape(table: TableRecord): Record<string, unknown> {
  return {
    SchemaName: table.schema,
    TableName: table.table,
    Inserts: table.inserts,
    Deletes: table.deletes,
    Updates: table.updates,
    Ddls: table.ddls,
    AppliedInserts: table.inserts,
    AppliedDeletes: table.deletes,
    AppliedUpdates: table.updates,
    AppliedDdls: table.ddls,
    FullLoadRows: table.fullLoadRows,
    FullLoadCondtnlChkFailedRows: 0,
    FullLoadErrorRows: 0,
    FullLoadStartTime: epochSeconds(table.fullLoadStartTime),
    FullLoadEndTime: epochSeconds(table.fullLoadEndTime),
    FullLoadReloaded: table.fullLoadReloaded,
    LastUpdateTime: epochSeconds(table.lastUpdateTime),
    TableState: table.state,
    ValidationPendingRecords: 0,
    ValidationFailedRecords: 0,
    ValidationSuspendedRecords: 0,
    ValidationState: 'Not enabled',
  };
}

export function connectionShape(connection: ConnectionRecord, endpointId: string, instanceId: string): Record<string, unknown> {
  return {
    ReplicationInstanceArn: connection.instanceArn,
    EndpointArn: connection.endpointArn,
    Status: connection.status,
    LastFailureMessage: connection.lastFailureMessage,
    EndpointIdentifier: endpointId,
    ReplicationInstanceIdentifier: instanceId,
  };
}

export function taskResourceId(task: TaskRecord): string {
  return resourceIdOf(task.arn);
}
