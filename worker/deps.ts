import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ActivityDeps } from '../activities/deps';
import { createAwsClients, destroyAwsClients } from '../activities/awsClients';
import { DmsGateway } from '../activities/dmsGateway';
import { SourceDatabases } from '../activities/sourceDatabases';
import type { PipelineConfig } from '../domain/config';

/** Builds the clients activities use, once per worker process; close() releases them. */
export function createActivityDeps(
  config: PipelineConfig,
  connection: Connection,
  namespace: string,
  logger: Logger,
): ActivityDeps & { close(): Promise<void> } {
  const aws = createAwsClients(config.region);
  const sources = new SourceDatabases(config, aws.secrets);
  return {
    config,
    ...aws,
    dmsGateway: new DmsGateway(aws.dms, config.waits.dmsRequestsPerSecond),
    sources,
    temporal: new Client({ connection, namespace }),
    logger,
    async close() {
      await sources.close();
      destroyAwsClients(aws);
    },
  };
}
