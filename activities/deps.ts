import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PipelineConfig } from '../domain/config';
import type { DmsGateway } from './dmsGateway';
import type { SourceDatabases } from './sourceDatabases';

/** Everything activities talk to, injected so tests and the worker build them once. */
export interface ActivityDeps {
  config: PipelineConfig;
  dms: DatabaseMigrationServiceClient;
  /** Rate-limited, counted and shared DMS access: use it rather than `dms` directly. */
  dmsGateway: DmsGateway;
  s3: S3Client;
  rds: RDSClient;
  cloudwatch: CloudWatchClient;
  secrets: SecretsManagerClient;
  sources: SourceDatabases;
  temporal: Client;
  logger: Logger;
}
