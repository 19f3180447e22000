import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { explainAccessDenied } from './accessDenied';

/**
 * AWS clients from the SDK's default chains (credentials, region) and its per-service endpoint variables
 * (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE, …): unset, they talk to real AWS.
 * The adaptive retry mode slows down on throttling instead of hammering a rate-limited API.
 */
export interface AwsClients {
  dms: DatabaseMigrationServiceClient;
  s3: S3Client;
  rds: RDSClient;
  cloudwatch: CloudWatchClient;
  secrets: SecretsManagerClient;
}

export function createAwsClients(region: string): AwsClients {
  const common = { region: process.env.AWS_REGION ?? region, retryMode: 'adaptive' as const, maxAttempts: 6 };
  const clients = {
    dms: new DatabaseMigrationServiceClient(common),
    // S3-compatible endpoints (moto, MinIO) serve buckets by path, not by virtual host.
    s3: new S3Client({ ...common, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL) }),
    rds: new RDSClient(common),
    cloudwatch: new CloudWatchClient(common),
    secrets: new SecretsManagerClient(common),
  };
  explainAccessDenied(clients.dms, 'dms');
  explainAccessDenied(clients.s3, 's3');
  explainAccessDenied(clients.rds, 'rds');
  explainAccessDenied(clients.cloudwatch, 'cloudwatch');
  explainAccessDenied(clients.secrets, 'secretsmanager');
  return clients;
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}
