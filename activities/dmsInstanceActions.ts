import { DescribeReplicationInstancesCommand, ModifyReplicationInstanceCommand } from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure } from '@temporalio/activity';
import type { CallRecord } from '../domain/audit';
import type { InstanceSnapshot } from '../domain/dmsStates';
import { callRecord } from './callRecords';
import type { ActivityDeps } from './deps';
import { toInstanceSnapshot } from './dmsGateway';
import { settlingCall } from './settlingCalls';
import { Failure } from '../contracts/failures';

/**
 * Mutating DMS calls on replication instances. Like the task actions, each reads the instance first and does
 * nothing when the change is already made or already under way, so a retry never asks DMS twice.
 */
export function dmsInstanceActivities(deps: ActivityDeps) {
  const gateway = deps.dmsGateway;
  const change = settlingCall(gateway, deps.config.waits.describeLagSeconds);

  async function current(instanceArn: string): Promise<InstanceSnapshot> {
    const result = await gateway.call('DescribeReplicationInstances', instanceArn, (c) =>
      c.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [instanceArn] }] })),
    );
    const instance = result.ReplicationInstances?.[0];
    if (!instance)
      throw ApplicationFailure.nonRetryable(`replication instance ${instanceArn} does not exist`, Failure.ResourceNotFoundFault);
    return toInstanceSnapshot(instance);
  }

  return {
    /** ModifyReplicationInstance with ApplyImmediately: the class and/or a larger storage. */
    async modifyInstance(input: { instanceArn: string; instanceClass: string; allocatedStorageGb?: number }): Promise<CallRecord> {
      const instance = await current(input.instanceArn);
      const wanted = `${input.instanceClass}${input.allocatedStorageGb !== undefined ? `, ${input.allocatedStorageGb} GB` : ''}`;
      const classDone = instance.instanceClass === input.instanceClass;
      const storageDone = input.allocatedStorageGb === undefined || instance.allocatedStorageGb >= input.allocatedStorageGb;
      if (classDone && storageDone) {
        return callRecord(
          'dms',
          'ModifyReplicationInstance',
          instance.identifier,
          'skipped',
          `already ${instance.instanceClass}, ${instance.allocatedStorageGb} GB`,
        );
      }
      const pendingClass = instance.pending.ReplicationInstanceClass;
      const pendingStorage = Number(instance.pending.AllocatedStorage ?? 0);
      const underWay =
        instance.status === 'modifying' &&
        (classDone || pendingClass === input.instanceClass) &&
        (storageDone || pendingStorage >= (input.allocatedStorageGb ?? 0));
      if (underWay) {
        return callRecord(
          'dms',
          'ModifyReplicationInstance',
          instance.identifier,
          'skipped',
          `already being modified to ${wanted} (pending ${JSON.stringify(instance.pending)})`,
        );
      }
      if (instance.status !== 'available' && instance.status !== 'storage-full') {
        throw ApplicationFailure.nonRetryable(
          `cannot modify replication instance ${instance.identifier} to ${wanted}: it is ${instance.status}${Object.keys(instance.pending).length ? ` with pending ${JSON.stringify(instance.pending)}` : ''}; wait until it is available`,
          Failure.RefusedByState,
        );
      }
      const params = {
        ReplicationInstanceArn: input.instanceArn,
        ApplyImmediately: true,
        ...(classDone ? {} : { ReplicationInstanceClass: input.instanceClass }),
        ...(storageDone ? {} : { AllocatedStorage: input.allocatedStorageGb }),
      };
      await change('ModifyReplicationInstance', instance.identifier, (c) => c.send(new ModifyReplicationInstanceCommand(params)));
      gateway.invalidate(input.instanceArn);
      return callRecord(
        'dms',
        'ModifyReplicationInstance',
        instance.identifier,
        'done',
        `${instance.instanceClass}, ${instance.allocatedStorageGb} GB → ${wanted}`,
        params,
      );
    },
  };
}
