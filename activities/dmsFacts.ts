import {
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  Endpoint,
} from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSnapshot, TableStatSnapshot, TaskSnapshot } from '../domain/dmsStates';
import type { TableName } from '../domain/tableName';
import type { ActivityDeps } from './deps';
import { toInstanceSnapshot, toTaskSnapshot } from './dmsGateway';
import { Failure } from '../contracts/failures';

export interface EndpointFacts {
  arn: string;
  identifier: string;
  endpointType: string;
  engine: string;
  s3Settings?: Record<string, unknown>;
  serverName?: string;
}

function toEndpointFacts(endpoint: Endpoint): EndpointFacts {
  return {
    arn: endpoint.EndpointArn ?? '',
    identifier: endpoint.EndpointIdentifier ?? '',
    endpointType: endpoint.EndpointType ?? '',
    engine: endpoint.EngineName ?? '',
    s3Settings: endpoint.S3Settings as Record<string, unknown> | undefined,
    serverName: endpoint.ServerName,
  };
}

const notFound = (error: unknown) => (error as ApplicationFailure).type === Failure.ResourceNotFoundFault;

/** Read-only DMS facts for plans: tasks by identifier (with their mappings), endpoints, instances. */
export function dmsFactActivities(deps: ActivityDeps) {
  const gateway = deps.dmsGateway;
  return {
    /** Tasks by identifier, with their mappings: one DescribeReplicationTasks per 100 identifiers. */
    async findTasks(input: { identifiers: string[] }): Promise<Record<string, TaskSnapshot | null>> {
      const out: Record<string, TaskSnapshot | null> = Object.fromEntries(input.identifiers.map((id) => [id, null]));
      for (let i = 0; i < input.identifiers.length; i += 100) {
        const chunk = input.identifiers.slice(i, i + 100);
        let marker: string | undefined;
        try {
          do {
            const page = await gateway.read('DescribeReplicationTasks', chunk.join(', '), `${chunk.join(',')}|${marker ?? ''}`, (c) =>
              c.send(
                new DescribeReplicationTasksCommand({
                  Filters: [{ Name: 'replication-task-id', Values: chunk }],
                  MaxRecords: 100,
                  Marker: marker,
                }),
              ),
            );
            for (const task of page.ReplicationTasks ?? []) {
              const snapshot = toTaskSnapshot(task);
              // DMS identifiers are case-insensitive and stored lower-cased.
              const id = chunk.find((c) => c.toLowerCase() === snapshot.identifier.toLowerCase());
              if (id) out[id] = snapshot;
            }
            marker = page.Marker;
          } while (marker);
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      }
      return out;
    },

    async findTasksOnInstance(input: { instanceArn: string }): Promise<TaskSnapshot[]> {
      const tasks: TaskSnapshot[] = [];
      let marker: string | undefined;
      try {
        do {
          const page = await gateway.call('DescribeReplicationTasks', input.instanceArn, (c) =>
            c.send(
              new DescribeReplicationTasksCommand({
                Filters: [{ Name: 'replication-instance-arn', Values: [input.instanceArn] }],
                MaxRecords: 100,
                Marker: marker,
                WithoutSettings: true,
              }),
            ),
          );
          tasks.push(...(page.ReplicationTasks ?? []).map(toTaskSnapshot));
          marker = page.Marker;
        } while (marker);
      } catch (error) {
        if (!notFound(error)) throw error;
      }
      return tasks;
    },

    async findEndpoint(input: { identifier: string }): Promise<EndpointFacts | null> {
      try {
        const result = await gateway.read('DescribeEndpoints', input.identifier, input.identifier, (c) =>
          c.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [input.identifier] }] })),
        );
        const endpoint = result.Endpoints?.[0];
        return endpoint ? toEndpointFacts(endpoint) : null;
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },

    async findInstance(input: { identifier: string }): Promise<InstanceSnapshot | null> {
      try {
        const result = await gateway.read('DescribeReplicationInstances', input.identifier, input.identifier, (c) =>
          c.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: [input.identifier] }] })),
        );
        const instance = result.ReplicationInstances?.[0];
        return instance ? toInstanceSnapshot(instance) : null;
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },

    /** The task's table statistics; with `tables`, only theirs (a part of a reload of thousands of tables). */
    async readTableStatistics(input: { taskArn: string; tables?: TableName[] }): Promise<TableStatSnapshot[]> {
      return input.tables ? gateway.tableStatisticsOf(input.taskArn, input.tables) : gateway.tableStatistics(input.taskArn, 0);
    },
  };
}
