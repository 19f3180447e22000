import { z } from 'zod';
import { ENGINE_VERSIONS, INSTANCE_CLASSES } from '../instanceClasses';
import type { OperationTable } from '../operation';
import { DESCRIBE_LIMITS, paginate } from '../pagination';
import { parseInput } from '../requestValidation';

const input = z.object({ MaxRecords: z.number().int().optional(), Marker: z.string().optional() });

export const orderableInstanceOperations: OperationTable = {
  DescribeOrderableReplicationInstances: {
    mutating: false,
    run(ctx, body) {
      const request = parseInput('DescribeOrderableReplicationInstances', input, body);
      const zones = ['a', 'b', 'c'].map((z) => `${ctx.state.region}${z}`);
      const offers = ENGINE_VERSIONS.flatMap((engineVersion) =>
        Object.keys(INSTANCE_CLASSES).map((instanceClass) => ({
          EngineVersion: engineVersion,
          ReplicationInstanceClass: instanceClass,
          StorageType: 'gp2',
          MinAllocatedStorage: 5,
          MaxAllocatedStorage: 6144,
          DefaultAllocatedStorage: 50,
          IncludedAllocatedStorage: instanceClass.startsWith('dms.t3.') ? 50 : 100,
          AvailabilityZones: zones,
        })),
      );
      const { page, marker } = paginate(offers, request.MaxRecords, request.Marker, DESCRIBE_LIMITS);
      return { OrderableReplicationInstances: page, Marker: marker };
    },
  },
};
