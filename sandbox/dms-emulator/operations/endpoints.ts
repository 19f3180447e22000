import { z } from 'zod';
import { checkIdentifier, makeArn, newResourceId } from '../arns';
import { endpointShape } from '../awsShapes';
import { applyFilters } from '../describeFilters';
import { alreadyExists, invalidCombination, invalidState, invalidValue, notFound } from '../dmsFault';
import type { EmulatorContext } from '../emulatorContext';
import type { EndpointRecord } from '../emulatorState';
import type { OperationTable } from '../operation';
import { DESCRIBE_LIMITS, paginate } from '../pagination';
import { filtersInput, parseInput, tagsInput } from '../requestValidation';

const SOURCE_ENGINES = ['mysql', 'aurora', 'aurora-mysql', 'mariadb'];
const TARGET_ENGINES = ['s3'];

const s3SettingsInput = z.looseObject({
  BucketName: z.string().min(1).optional(),
  BucketFolder: z.string().optional(),
  ServiceAccessRoleArn: z.string().optional(),
  DataFormat: z.enum(['csv', 'parquet']).optional(),
  ParquetVersion: z.enum(['parquet-1-0', 'parquet-2-0']).optional(),
  DatePartitionEnabled: z.boolean().optional(),
  DatePartitionSequence: z.enum(['YYYYMMDD', 'YYYYMMDDHH', 'YYYYMM', 'MMYYYYDD', 'DDMMYYYY']).optional(),
  DatePartitionDelimiter: z.enum(['SLASH', 'UNDERSCORE', 'DASH', 'NONE']).optional(),
  DatePartitionTimezone: z.string().optional(),
  TimestampColumnName: z.string().optional(),
  IncludeOpForFullLoad: z.boolean().optional(),
  CdcInsertsOnly: z.boolean().optional(),
  CdcInsertsAndUpdates: z.boolean().optional(),
  CdcMaxBatchInterval: z.number().int().nonnegative().optional(),
  CdcMinFileSize: z.number().int().nonnegative().optional(),
  MaxFileSize: z.number().int().min(1).max(1048576).optional(),
  ParquetTimestampInMillisecond: z.boolean().optional(),
  PreserveTransactions: z.boolean().optional(),
  CdcPath: z.string().optional(),
  CompressionType: z.enum(['none', 'gzip', 'NONE', 'GZIP']).optional(),
});

const mySqlSettingsInput = z.looseObject({
  ServerName: z.string().optional(),
  Port: z.number().int().optional(),
  Username: z.string().optional(),
  Password: z.string().optional(),
  DatabaseName: z.string().optional(),
  CleanSourceMetadataOnMismatch: z.boolean().optional(),
  ServerTimezone: z.string().optional(),
});

const endpointFields = {
  EndpointIdentifier: z.string(),
  EndpointType: z.string(),
  EngineName: z.string(),
  Username: z.string().optional(),
  Password: z.string().optional(),
  ServerName: z.string().optional(),
  Port: z.number().int().optional(),
  DatabaseName: z.string().optional(),
  ExtraConnectionAttributes: z.string().optional(),
  KmsKeyId: z.string().optional(),
  CertificateArn: z.string().optional(),
  SslMode: z.enum(['none', 'require', 'verify-ca', 'verify-full']).optional(),
  ServiceAccessRoleArn: z.string().optional(),
  S3Settings: s3SettingsInput.optional(),
  MySQLSettings: mySqlSettingsInput.optional(),
};

const createInput = z.object({ ...endpointFields, Tags: tagsInput });
const modifyInput = z.object({
  ...z.object(endpointFields).partial().shape,
  EndpointArn: z.string(),
  ExactSettings: z.boolean().optional(),
});
const describeInput = z.object({ Filters: filtersInput, MaxRecords: z.number().int().optional(), Marker: z.string().optional() });

function endpointTypeOf(value: string): 'source' | 'target' {
  const lower = value.toLowerCase();
  if (lower !== 'source' && lower !== 'target') throw invalidValue(`EndpointType must be source or target, not ${value}`);
  return lower;
}

/** Checks an endpoint is complete and coherent once its fields are set (on create and after modify). */
function checkEndpoint(endpoint: EndpointRecord): void {
  const engines = endpoint.endpointType === 'source' ? SOURCE_ENGINES : TARGET_ENGINES;
  if (!engines.includes(endpoint.engineName)) {
    throw invalidValue(
      `EngineName ${endpoint.engineName} is not supported as a ${endpoint.endpointType} by this emulator (supported: ${engines.join(', ')})`,
    );
  }
  if (endpoint.endpointType === 'source') {
    for (const [field, value] of Object.entries({
      ServerName: endpoint.serverName,
      Port: endpoint.port,
      Username: endpoint.username,
      Password: endpoint.password,
    })) {
      if (value === undefined || value === '')
        throw invalidValue(`A ${endpoint.engineName} endpoint needs ${field} (top level or MySQLSettings)`);
    }
  } else {
    const s3 = endpoint.s3Settings ?? {};
    if (!s3.BucketName) throw invalidValue(`S3 endpoint ${endpoint.identifier} needs S3Settings.BucketName`);
    // botocore S3Settings.ServiceAccessRoleArn: "It is a required parameter that enables DMS to write and read objects
    // from an S3 bucket." The error code DMS answers with is unverified.
    if (typeof s3.ServiceAccessRoleArn !== 'string' || s3.ServiceAccessRoleArn === '') {
      throw invalidValue(
        `S3 endpoint ${endpoint.identifier} needs ServiceAccessRoleArn (top level or S3Settings): the IAM role DMS writes to the bucket with`,
      );
    }
    if (s3.DatePartitionEnabled === true && (s3.PreserveTransactions === true || s3.CdcPath !== undefined)) {
      throw invalidCombination('DatePartitionEnabled cannot be combined with PreserveTransactions or CdcPath');
    }
    if (typeof s3.DatePartitionTimezone === 'string' && s3.DatePartitionTimezone !== '' && !validTimeZone(s3.DatePartitionTimezone)) {
      throw invalidValue(
        `S3 endpoint ${endpoint.identifier}: DatePartitionTimezone ${s3.DatePartitionTimezone} is not an Area/Location time zone`,
      );
    }
    if (s3.DatePartitionEnabled !== true && (s3.DatePartitionSequence !== undefined || s3.DatePartitionDelimiter !== undefined)) {
      throw invalidCombination('DatePartitionSequence and DatePartitionDelimiter need DatePartitionEnabled=true');
    }
  }
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type EndpointInput = Partial<z.infer<typeof createInput>> & { ExactSettings?: boolean };

function applyFields(endpoint: EndpointRecord, input: EndpointInput): void {
  const mySql = input.MySQLSettings;
  if (input.EngineName !== undefined) endpoint.engineName = input.EngineName.toLowerCase();
  if (input.ServerName !== undefined || mySql?.ServerName !== undefined) endpoint.serverName = input.ServerName ?? mySql?.ServerName;
  if (input.Port !== undefined || mySql?.Port !== undefined) endpoint.port = input.Port ?? mySql?.Port;
  if (input.Username !== undefined || mySql?.Username !== undefined) endpoint.username = input.Username ?? mySql?.Username;
  if (input.Password !== undefined || mySql?.Password !== undefined) endpoint.password = input.Password ?? mySql?.Password;
  if (input.DatabaseName !== undefined || mySql?.DatabaseName !== undefined)
    endpoint.databaseName = input.DatabaseName ?? mySql?.DatabaseName;
  if (input.ExtraConnectionAttributes !== undefined) endpoint.extraConnectionAttributes = input.ExtraConnectionAttributes;
  if (input.SslMode !== undefined) endpoint.sslMode = input.SslMode;
  // ModifyEndpoint merges settings unless ExactSettings asks to replace them, as DMS does.
  if (input.S3Settings !== undefined) {
    endpoint.s3Settings = input.ExactSettings ? { ...input.S3Settings } : { ...endpoint.s3Settings, ...input.S3Settings };
  }
  if (input.ServiceAccessRoleArn !== undefined && endpoint.endpointType === 'target') {
    endpoint.s3Settings = { ...endpoint.s3Settings, ServiceAccessRoleArn: input.ServiceAccessRoleArn };
  }
  if (mySql !== undefined) {
    endpoint.mySqlSettings = input.ExactSettings ? { ...mySql } : { ...endpoint.mySqlSettings, ...mySql };
  }
  if (endpoint.endpointType === 'source') {
    endpoint.mySqlSettings = {
      ...endpoint.mySqlSettings,
      ServerName: endpoint.serverName,
      Port: endpoint.port,
      Username: endpoint.username,
      DatabaseName: endpoint.databaseName,
    };
  }
}

const fill = (ctx: EmulatorContext) => ctx.behaviour().endpoints.describeS3Defaults === 'filled';

function tasksUsing(ctx: EmulatorContext, arn: string) {
  return ctx.state.tasks.filter((t) => t.sourceEndpointArn === arn || t.targetEndpointArn === arn);
}

export const endpointOperations: OperationTable = {
  CreateEndpoint: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('CreateEndpoint', createInput, body);
      checkIdentifier('EndpointIdentifier', input.EndpointIdentifier);
      const identifier = input.EndpointIdentifier.toLowerCase();
      if (ctx.state.endpoints.some((e) => e.identifier === identifier)) throw alreadyExists(`Endpoint ${identifier} already exists`);
      const endpoint: EndpointRecord = {
        arn: makeArn(ctx.state.region, 'endpoint', newResourceId()),
        identifier,
        endpointType: endpointTypeOf(input.EndpointType),
        engineName: input.EngineName.toLowerCase(),
        sslMode: 'none',
        createdAt: ctx.now(),
        tags: input.Tags ?? [],
      };
      applyFields(endpoint, input);
      checkEndpoint(endpoint);
      ctx.state.endpoints.push(endpoint);
      ctx.changed();
      return { Endpoint: endpointShape(endpoint, fill(ctx)) };
    },
  },

  DescribeEndpoints: {
    mutating: false,
    run(ctx, body) {
      const input = parseInput('DescribeEndpoints', describeInput, body);
      const filters = input.Filters?.map((f) => (f.Name === 'endpoint-type' ? { ...f, Values: f.Values.map((v) => v.toLowerCase()) } : f));
      const matching = applyFilters(ctx.state.endpoints, filters, {
        'endpoint-arn': (e) => e.arn,
        'endpoint-type': (e) => e.endpointType,
        'endpoint-id': (e) => e.identifier,
        'engine-name': (e) => e.engineName,
      });
      const { page, marker } = paginate(matching, input.MaxRecords, input.Marker, DESCRIBE_LIMITS);
      if (page.length === 0) throw notFound('No endpoints found matching the filters');
      return { Endpoints: page.map((e) => endpointShape(e, fill(ctx))), Marker: marker };
    },
  },

  ModifyEndpoint: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('ModifyEndpoint', modifyInput, body);
      const endpoint = ctx.endpoint(input.EndpointArn);
      const busy = tasksUsing(ctx, endpoint.arn).filter((t) => ['running', 'starting', 'stopping', 'modifying'].includes(t.status));
      if (busy.length > 0) {
        throw invalidState(
          `Endpoint ${endpoint.identifier} is used by ${busy.map((t) => `${t.identifier} (${t.status})`).join(', ')}; stop the tasks first`,
        );
      }
      if (input.EndpointType !== undefined && endpointTypeOf(input.EndpointType) !== endpoint.endpointType) {
        throw invalidCombination('EndpointType cannot change; create a new endpoint');
      }
      const updated: EndpointRecord = structuredClone(endpoint);
      if (input.EndpointIdentifier !== undefined) {
        checkIdentifier('EndpointIdentifier', input.EndpointIdentifier);
        const renamed = input.EndpointIdentifier.toLowerCase();
        if (renamed !== endpoint.identifier && ctx.state.endpoints.some((e) => e.identifier === renamed)) {
          throw alreadyExists(`Endpoint ${renamed} already exists`);
        }
        updated.identifier = renamed;
      }
      applyFields(updated, input);
      checkEndpoint(updated);
      Object.assign(endpoint, updated);
      ctx.changed();
      return { Endpoint: endpointShape(endpoint, fill(ctx)) };
    },
  },

  DeleteEndpoint: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('DeleteEndpoint', z.object({ EndpointArn: z.string() }), body);
      const endpoint = ctx.endpoint(input.EndpointArn);
      const users = tasksUsing(ctx, endpoint.arn);
      if (users.length > 0) {
        throw invalidState(
          `Endpoint ${endpoint.identifier} is used by replication tasks ${users.map((t) => t.identifier).join(', ')}; delete them first`,
        );
      }
      ctx.state.endpoints = ctx.state.endpoints.filter((e) => e.arn !== endpoint.arn);
      ctx.state.connections = ctx.state.connections.filter((c) => c.endpointArn !== endpoint.arn);
      ctx.changed();
      return { Endpoint: { ...endpointShape(endpoint, fill(ctx)), Status: 'deleting' } };
    },
  },
};
