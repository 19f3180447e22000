import { z } from 'zod';
import { checkIdentifier, makeArn, newResourceId } from '../arns';
import { instanceShape } from '../awsShapes';
import { applyFilters } from '../describeFilters';
import { alreadyExists, DmsFault, invalidState, invalidValue, notFound } from '../dmsFault';
import { DURATIONS, seconds } from '../durations';
import type { EmulatorContext } from '../emulatorContext';
import type { InstanceRecord, PendingInstanceValues } from '../emulatorState';
import { DEFAULT_ENGINE_VERSION, ENGINE_VERSIONS, instanceClassSpec } from '../instanceClasses';
import type { OperationTable } from '../operation';
import { DESCRIBE_LIMITS, paginate } from '../pagination';
import { filtersInput, parseInput, tagsInput } from '../requestValidation';

const createInput = z.object({
  ReplicationInstanceIdentifier: z.string(),
  ReplicationInstanceClass: z.string(),
  AllocatedStorage: z.number().int().optional(),
  AvailabilityZone: z.string().optional(),
  MultiAZ: z.boolean().optional(),
  EngineVersion: z.string().optional(),
  AutoMinorVersionUpgrade: z.boolean().optional(),
  PubliclyAccessible: z.boolean().optional(),
  PreferredMaintenanceWindow: z.string().optional(),
  NetworkType: z.string().optional(),
  Tags: tagsInput,
});

const modifyInput = z.object({
  ReplicationInstanceArn: z.string(),
  AllocatedStorage: z.number().int().optional(),
  ApplyImmediately: z.boolean().optional(),
  ReplicationInstanceClass: z.string().optional(),
  PreferredMaintenanceWindow: z.string().optional(),
  MultiAZ: z.boolean().optional(),
  EngineVersion: z.string().optional(),
  AllowMajorVersionUpgrade: z.boolean().optional(),
  AutoMinorVersionUpgrade: z.boolean().optional(),
  ReplicationInstanceIdentifier: z.string().optional(),
  NetworkType: z.string().optional(),
});

const describeInput = z.object({ Filters: filtersInput, MaxRecords: z.number().int().optional(), Marker: z.string().optional() });

function checkClass(instanceClass: string): void {
  if (!instanceClassSpec(instanceClass)) {
    throw invalidValue(`ReplicationInstanceClass ${instanceClass} is not offered; see DescribeOrderableReplicationInstances`);
  }
}

function checkStorage(gb: number): void {
  if (gb < 5 || gb > 6144) throw invalidValue(`AllocatedStorage must be between 5 and 6144 GB, not ${gb}`);
}

function checkEngine(version: string): void {
  if (!ENGINE_VERSIONS.includes(version))
    throw invalidValue(`EngineVersion ${version} is not available (available: ${ENGINE_VERSIONS.join(', ')})`);
}

/** The fault set for an instance by identifier or ARN. */
export function instanceModifyFault(ctx: EmulatorContext, instance: InstanceRecord): 'refuse' | 'stuck' | undefined {
  return ctx.state.faults.instanceModify[instance.identifier] ?? ctx.state.faults.instanceModify[instance.arn];
}

export const replicationInstanceOperations: OperationTable = {
  CreateReplicationInstance: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('CreateReplicationInstance', createInput, body);
      checkIdentifier('ReplicationInstanceIdentifier', input.ReplicationInstanceIdentifier);
      const identifier = input.ReplicationInstanceIdentifier.toLowerCase();
      if (ctx.state.instances.some((i) => i.identifier === identifier)) {
        throw alreadyExists(`Replication instance ${identifier} already exists`);
      }
      checkClass(input.ReplicationInstanceClass);
      const storage = input.AllocatedStorage ?? 50;
      checkStorage(storage);
      const engineVersion = input.EngineVersion ?? DEFAULT_ENGINE_VERSION;
      checkEngine(engineVersion);
      const now = ctx.now();
      const instance: InstanceRecord = {
        arn: makeArn(ctx.state.region, 'rep', newResourceId()),
        identifier,
        instanceClass: input.ReplicationInstanceClass,
        allocatedStorage: storage,
        engineVersion,
        multiAZ: input.MultiAZ ?? false,
        availabilityZone: input.AvailabilityZone ?? `${ctx.state.region}a`,
        publiclyAccessible: input.PubliclyAccessible ?? false,
        autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
        preferredMaintenanceWindow: input.PreferredMaintenanceWindow ?? 'sun:06:00-sun:06:30',
        networkType: input.NetworkType ?? 'IPV4',
        createdAt: now,
        status: 'creating',
        transitionAt: now + seconds(DURATIONS.instanceCreate),
        bytesUsed: 0,
        tags: input.Tags ?? [],
      };
      ctx.state.instances.push(instance);
      ctx.changed();
      return { ReplicationInstance: instanceShape(instance) };
    },
  },

  DescribeReplicationInstances: {
    mutating: false,
    run(ctx, body) {
      const input = parseInput('DescribeReplicationInstances', describeInput, body);
      const matching = applyFilters(ctx.state.instances, input.Filters, {
        'replication-instance-arn': (i) => i.arn,
        'replication-instance-id': (i) => i.identifier,
        'replication-instance-class': (i) => i.instanceClass,
        'engine-version': (i) => i.engineVersion,
      });
      const { page, marker } = paginate(matching, input.MaxRecords, input.Marker, DESCRIBE_LIMITS);
      // DMS answers "not found" rather than an empty list, which the Deleted waiters rely on.
      if (page.length === 0) throw notFound('No replication instances found matching the filters');
      return { ReplicationInstances: page.map(instanceShape), Marker: marker };
    },
  },

  ModifyReplicationInstance: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('ModifyReplicationInstance', modifyInput, body);
      const instance = ctx.instance(input.ReplicationInstanceArn);
      if (instance.status !== 'available' && instance.status !== 'storage-full') {
        throw invalidState(`Replication instance ${instance.identifier} is ${instance.status}; it can be modified only when available`);
      }
      const pending: PendingInstanceValues = { ...instance.pending };
      if (input.ReplicationInstanceClass !== undefined && input.ReplicationInstanceClass !== instance.instanceClass) {
        checkClass(input.ReplicationInstanceClass);
        pending.ReplicationInstanceClass = input.ReplicationInstanceClass;
      }
      if (input.AllocatedStorage !== undefined && input.AllocatedStorage !== instance.allocatedStorage) {
        checkStorage(input.AllocatedStorage);
        if (input.AllocatedStorage < instance.allocatedStorage) {
          throw invalidValue(
            `AllocatedStorage can only grow: ${instance.identifier} has ${instance.allocatedStorage} GB, asked ${input.AllocatedStorage} GB. To shrink, create a new instance and move the tasks.`,
          );
        }
        pending.AllocatedStorage = input.AllocatedStorage;
      }
      if (input.MultiAZ !== undefined && input.MultiAZ !== instance.multiAZ) pending.MultiAZ = input.MultiAZ;
      if (input.EngineVersion !== undefined && input.EngineVersion !== instance.engineVersion) {
        checkEngine(input.EngineVersion);
        pending.EngineVersion = input.EngineVersion;
      }
      if (input.ReplicationInstanceIdentifier !== undefined) {
        checkIdentifier('ReplicationInstanceIdentifier', input.ReplicationInstanceIdentifier);
        const renamed = input.ReplicationInstanceIdentifier.toLowerCase();
        if (renamed !== instance.identifier && ctx.state.instances.some((i) => i.identifier === renamed)) {
          throw alreadyExists(`Replication instance ${renamed} already exists`);
        }
        instance.identifier = renamed;
      }
      if (input.PreferredMaintenanceWindow !== undefined) instance.preferredMaintenanceWindow = input.PreferredMaintenanceWindow;
      if (input.AutoMinorVersionUpgrade !== undefined) instance.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
      if (input.NetworkType !== undefined) instance.networkType = input.NetworkType;

      const fault = instanceModifyFault(ctx, instance);
      if (Object.keys(pending).length > 0 && fault === 'refuse') {
        throw new DmsFault(
          'InsufficientResourceCapacityFault',
          `Insufficient capacity to modify replication instance ${instance.identifier} to ${pending.ReplicationInstanceClass ?? instance.instanceClass} in ${instance.availabilityZone}`,
        );
      }
      instance.pending = Object.keys(pending).length > 0 ? pending : undefined;
      // Without ApplyImmediately the change waits for the maintenance window, which never comes here.
      if (instance.pending && input.ApplyImmediately) {
        instance.status = 'modifying';
        const classChange = instance.pending.ReplicationInstanceClass !== undefined || instance.pending.MultiAZ !== undefined;
        instance.transitionAt = ctx.now() + seconds(classChange ? DURATIONS.instanceClassChange : DURATIONS.instanceOtherChange);
      }
      ctx.changed();
      return { ReplicationInstance: instanceShape(instance) };
    },
  },

  DeleteReplicationInstance: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('DeleteReplicationInstance', z.object({ ReplicationInstanceArn: z.string() }), body);
      const instance = ctx.instance(input.ReplicationInstanceArn);
      const tasks = ctx.state.tasks.filter((t) => t.instanceArn === instance.arn);
      if (tasks.length > 0) {
        throw invalidState(
          `Replication instance ${instance.identifier} still has replication tasks (${tasks.map((t) => t.identifier).join(', ')}); delete them first`,
        );
      }
      if (instance.status === 'deleting') throw invalidState(`Replication instance ${instance.identifier} is already being deleted`);
      instance.status = 'deleting';
      instance.transitionAt = ctx.now() + seconds(DURATIONS.instanceDelete);
      ctx.changed();
      return { ReplicationInstance: instanceShape(instance) };
    },
  },
};
