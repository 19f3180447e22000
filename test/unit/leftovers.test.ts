import {
  ClosedRun,
  largeClassFinding,
  leftoverActions,
  prefixFinding,
  staleLockFinding,
  stoppedTaskFinding,
  temporaryEndpointFinding,
  temporaryTaskFinding,
} from '../../domain/doctor/leftovers';

describe('leftovers of interrupted runs', () => {
  test('a stop without a later start is a stopped task; created resources are listed', () => {
    const actions = leftoverActions([
      { type: 'stopTask', input: { taskArn: 'arn:task:a' } },
      { type: 'startTask', input: { taskArn: 'arn:task:a', startType: 'resume-processing' } },
      { type: 'stopTask', input: { taskArn: 'arn:task:b' } },
      { type: 'createS3Endpoint', input: { identifier: 'bfx-staging' } },
      { type: 'createTask', input: { identifier: 'bfx-20260605' } },
      { type: 'findTasks', input: { identifiers: ['shop-core'] } },
    ]);
    expect(actions).toEqual({ stoppedTasks: ['arn:task:b'], createdTasks: ['bfx-20260605'], createdEndpoints: ['bfx-staging'] });
  });

  test('a quarantine finding says how to put the files back before deleting them', () => {
    const f = prefixFinding('shop-lake', 'quarantine', '_quarantine/fr-1/', { workflowId: 'fr-1', status: 'TERMINATED' }, 3);
    expect(f.severity).toBe('critical');
    expect(f.remedy!.steps).toContain(
      'aws s3 mv --recursive s3://shop-lake/_quarantine/fr-1/ s3://shop-lake/ --exclude "_manifests/*" --exclude "_rolled-back/*"',
    );
    expect(f.remedy!.command).toBe('aws s3 rm --recursive s3://shop-lake/_quarantine/fr-1/');
  });

  test('a stale lock is released by a signal naming its holder run', () => {
    const f = staleLockFinding(
      'table:shop.orders',
      'dms-runbooks-lock:table:shop.orders',
      { holder: 'wf', runId: 'r1', kind: 'fullReload', since: 'x' },
      'TERMINATED',
    );
    expect(f.remedy!.command).toBe(
      `temporal workflow signal --workflow-id dms-runbooks-lock:table:shop.orders --name release --input '{"holder":"wf","runId":"r1"}'`,
    );
  });
});

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

describe('leftovers of an interrupted resize', () => {
  const resize: ClosedRun = { workflowId: 'resize-x', runId: 'r2', kind: 'resizeInstance', status: 'TERMINATED' };

  test("the run's last instance change is kept: a composite that scaled up and never down", () => {
    const actions = leftoverActions([
      { type: 'stopTask', input: { taskArn: 'arn:task:a' } },
      { type: 'modifyInstance', input: { instanceArn: 'arn:ri:1', instanceClass: 'dms.r5.4xlarge' } },
      { type: 'startTask', input: { taskArn: 'arn:task:a', startType: 'resume-processing' } },
    ]);
    expect(actions.lastInstanceModify).toEqual({ instanceArn: 'arn:ri:1', instanceClass: 'dms.r5.4xlarge' });
    expect(leftoverActions([]).lastInstanceModify).toBeUndefined();
  });

  test('a task a resize stopped is resumed only once its instance is available', () => {
    const finding = stoppedTaskFinding(resize, { identifier: 't1', arn: 'arn:task:a', status: 'stopped' }, 'arn:ri:1');
    expect(finding.remedy!.steps).toEqual([
      'aws dms wait replication-instance-available --filters Name=replication-instance-arn,Values=arn:ri:1',
    ]);
    expect(stoppedTaskFinding(resize, { identifier: 't1', arn: 'arn:task:a', status: 'stopped' }).remedy!.steps).toBeUndefined();
  });

  test('an instance left on the large class names the CDC class and carries the remedy it is given', () => {
    const remedy = { runbook: 'resizeInstance' as const, summary: 'scale back', command: 'npx dms-runbooks start resizeInstance …' };
    const finding = largeClassFinding(
      resize,
      { identifier: 'ri-1', instanceClass: 'dms.r5.4xlarge', status: 'available' },
      'dms.r5.large',
      remedy,
    );
    expect(finding).toMatchObject({
      severity: 'warning',
      subject: 'instance ri-1',
      evidence: { cdcClass: 'dms.r5.large', scaledUpBy: 'resize-x' },
      remedy,
    });
    expect(finding.title).toContain('ended before scaling it down to dms.r5.large');
  });
});
