import { z } from 'zod';
import { connectionShape } from '../awsShapes';
import { applyFilters } from '../describeFilters';
import { invalidState } from '../dmsFault';
import { DURATIONS, seconds } from '../durations';
import type { EmulatorContext } from '../emulatorContext';
import type { ConnectionRecord } from '../emulatorState';
import type { OperationTable } from '../operation';
import { DESCRIBE_LIMITS, paginate } from '../pagination';
import { filtersInput, parseInput } from '../requestValidation';

const testInput = z.object({ ReplicationInstanceArn: z.string(), EndpointArn: z.string() });
const describeInput = z.object({ Filters: filtersInput, MaxRecords: z.number().int().optional(), Marker: z.string().optional() });

function shape(ctx: EmulatorContext, connection: ConnectionRecord) {
  const endpoint = ctx.state.endpoints.find((e) => e.arn === connection.endpointArn);
  const instance = ctx.state.instances.find((i) => i.arn === connection.instanceArn);
  return connectionShape(connection, endpoint?.identifier ?? '', instance?.identifier ?? '');
}

export const connectionOperations: OperationTable = {
  /** Starts a real check (MySQL login or S3 HeadBucket) run by the data plane; the result shows once emulated time has passed. */
  TestConnection: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('TestConnection', testInput, body);
      const instance = ctx.instance(input.ReplicationInstanceArn);
      ctx.endpoint(input.EndpointArn);
      if (instance.status !== 'available') {
        throw invalidState(
          `Replication instance ${instance.identifier} is ${instance.status}; connections are tested from an available instance`,
        );
      }
      const existing = ctx.state.connections.find((c) => c.instanceArn === instance.arn && c.endpointArn === input.EndpointArn);
      if (existing?.status === 'testing') throw invalidState('A connection test between this instance and endpoint is already running');
      const connection: ConnectionRecord = {
        instanceArn: instance.arn,
        endpointArn: input.EndpointArn,
        status: 'testing',
        resultAt: ctx.now() + seconds(DURATIONS.connectionTest),
      };
      ctx.state.connections = ctx.state.connections.filter((c) => c !== existing);
      ctx.state.connections.push(connection);
      ctx.changed();
      return { Connection: shape(ctx, connection) };
    },
  },

  DescribeConnections: {
    mutating: false,
    run(ctx, body) {
      const input = parseInput('DescribeConnections', describeInput, body);
      const matching = applyFilters(ctx.state.connections, input.Filters, {
        'endpoint-arn': (c) => c.endpointArn,
        'replication-instance-arn': (c) => c.instanceArn,
      });
      const { page, marker } = paginate(matching, input.MaxRecords, input.Marker, DESCRIBE_LIMITS);
      return { Connections: page.map((c) => shape(ctx, c)), Marker: marker };
    },
  },
};
