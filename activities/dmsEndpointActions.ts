import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  DescribeEndpointsCommand,
  Endpoint,
} from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure } from '@temporalio/activity';
import type { CallRecord } from '../domain/audit';
import { callRecord } from './callRecords';
import type { ActivityDeps } from './deps';
import { Failure } from '../contracts/failures';

/**
 * Temporary DMS endpoints (a staging S3 target): created and deleted idempotently — an endpoint already there is
 * reused, one already gone is not deleted twice.
 */
export function dmsEndpointActivities(deps: ActivityDeps) {
  const gateway = deps.dmsGateway;

  async function find(filter: { Name: string; Values: string[] }): Promise<Endpoint | undefined> {
    try {
      const result = await gateway.call('DescribeEndpoints', filter.Values.join(', '), (c) =>
        c.send(new DescribeEndpointsCommand({ Filters: [filter] })),
      );
      return result.Endpoints?.[0];
    } catch (error) {
      if ((error as ApplicationFailure).type === Failure.ResourceNotFoundFault) return undefined;
      throw error;
    }
  }

  return {
    async createS3Endpoint(input: {
      identifier: string;
      s3Settings: Record<string, unknown>;
      tags?: Record<string, string>;
    }): Promise<CallRecord & { endpointArn: string }> {
      const existing = await find({ Name: 'endpoint-id', Values: [input.identifier] });
      if (existing) {
        return {
          ...callRecord('dms', 'CreateEndpoint', input.identifier, 'skipped', 'the endpoint already exists'),
          endpointArn: existing.EndpointArn ?? '',
        };
      }
      const created = await gateway.call('CreateEndpoint', input.identifier, (c) =>
        c.send(
          new CreateEndpointCommand({
            EndpointIdentifier: input.identifier,
            EndpointType: 'target',
            EngineName: 's3',
            S3Settings: input.s3Settings,
            Tags: Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      return {
        ...callRecord(
          'dms',
          'CreateEndpoint',
          input.identifier,
          'done',
          `S3 target on s3://${String(input.s3Settings.BucketName)}/${String(input.s3Settings.BucketFolder)}`,
          {
            EndpointIdentifier: input.identifier,
            S3Settings: input.s3Settings,
          },
        ),
        endpointArn: created.Endpoint?.EndpointArn ?? '',
      };
    },

    async deleteEndpoint(input: { endpointArn: string }): Promise<CallRecord> {
      const existing = await find({ Name: 'endpoint-arn', Values: [input.endpointArn] });
      if (!existing) return callRecord('dms', 'DeleteEndpoint', input.endpointArn, 'skipped', 'the endpoint no longer exists');
      const identifier = existing.EndpointIdentifier ?? input.endpointArn;
      if (existing.Status === 'deleting') return callRecord('dms', 'DeleteEndpoint', identifier, 'skipped', 'already deleting');
      await gateway.call('DeleteEndpoint', identifier, (c) => c.send(new DeleteEndpointCommand({ EndpointArn: input.endpointArn })));
      return callRecord('dms', 'DeleteEndpoint', identifier, 'done', 'deleted', { EndpointArn: input.endpointArn });
    },
  };
}
