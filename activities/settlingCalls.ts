import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DmsGateway } from './dmsGateway';
import { Failure } from '../contracts/failures';

/** Refusals that a stale read explains: the state checked before the call was DMS's past (domain/describeLag.ts). */
const STALE_READ_REFUSALS = new Set<string>([Failure.InvalidResourceStateFault, Failure.ResourceAlreadyExistsFault]);

/**
 * A mutating DMS call made after reading the resource's state. DMS's reads lag its writes, so the state read may be
 * the one from before this runbook's previous call (a task still "stopped" while DMS is applying a Modify, a task
 * "not found" that an earlier attempt created): DMS then refuses with InvalidResourceStateFault ("is modifying") or
 * ResourceAlreadyExistsFault. Such a refusal is retried (the activity's retry policy re-reads the state first) for
 * `describeLagSeconds` after the activity was scheduled; past that it fails with DMS's message as before.
 */
export function settlingCall(gateway: DmsGateway, describeLagSeconds: number) {
  return async function call<T>(
    operation: string,
    target: string,
    send: (client: DatabaseMigrationServiceClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await gateway.call(operation, target, send);
    } catch (error) {
      const failure = error as ApplicationFailure;
      const age = Date.now() - Context.current().info.scheduledTimestampMs;
      if (STALE_READ_REFUSALS.has(failure.type ?? '') && age < describeLagSeconds * 1000) {
        throw ApplicationFailure.create({
          type: Failure.DmsStateSettling,
          message: `${failure.message} (the state read before the call may be stale: DMS's reads lag its writes; retrying for up to ${describeLagSeconds} s)`,
        });
      }
      throw error;
    }
  };
}
