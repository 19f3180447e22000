import { ClosedRun, temporaryEndpointFinding, temporaryTaskFinding } from '../../domain/doctor/leftovers';

/** The doctor's commands for what an interrupted backfill left: runnable in the order the report gives them. */

const run: ClosedRun = { workflowId: 'backfill-x', runId: 'r1', kind: 'backfillPartitions', status: 'TERMINATED' };

describe('leftovers of a terminated backfill', () => {
  test('a running temporary task is stopped and waited for before it is deleted', () => {
    const finding = temporaryTaskFinding(run, { identifier: 'bf-20260601', arn: 'arn:task:1', status: 'running' });
    expect(finding.remedy!.steps).toEqual([
      'aws dms stop-replication-task --replication-task-arn arn:task:1',
      'aws dms wait replication-task-stopped --filters Name=replication-task-arn,Values=arn:task:1',
    ]);
    expect(finding.remedy!.command).toBe('aws dms delete-replication-task --replication-task-arn arn:task:1');
  });

  test('the endpoint waits until its tasks are deleted (DMS refuses an endpoint a task still uses)', () => {
    const finding = temporaryEndpointFinding(run, { identifier: 'bf-staging', arn: 'arn:endpoint:1' }, ['bf-20260601', 'bf-20260602']);
    expect(finding.remedy!.steps).toEqual([
      'until ! aws dms describe-replication-tasks --filters Name=replication-task-id,Values=bf-20260601,bf-20260602 > /dev/null 2>&1; do sleep 10; done',
    ]);
    expect(finding.remedy!.command).toBe('aws dms delete-endpoint --endpoint-arn arn:endpoint:1');
    expect(temporaryEndpointFinding(run, { identifier: 'bf-staging', arn: 'arn:endpoint:1' }, []).remedy!.steps).toBeUndefined();
  });
});
