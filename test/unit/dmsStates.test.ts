import { TaskSnapshot, taskHasRun } from '../../domain/dmsStates';

const task = (extra: Partial<TaskSnapshot>): TaskSnapshot => ({
  arn: 'arn:aws:dms:us-east-1:123456789012:task:T',
  identifier: 't',
  status: 'ready',
  ...extra,
});

describe('taskHasRun', () => {
  it('is false only for a task with no trace of a run', () => {
    expect(taskHasRun(task({}))).toBe(false);
    expect(taskHasRun(task({ status: 'failed' }))).toBe(false);
  });

  it('is true on any trace of a run, not only StartDate: a Modify may leave a task that ran `ready`', () => {
    expect(taskHasRun(task({ startDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ stopDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ freshStartDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ fullLoadStartDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ recoveryCheckpoint: 'checkpoint:V1#1#mysql-bin.000001:4:0:0:0:0' }))).toBe(true);
    expect(taskHasRun(task({ status: 'stopped' }))).toBe(true);
  });
});
