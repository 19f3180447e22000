import { resumeCommand } from '../domain/instanceResize';
import { QuarantineLayout } from '../domain/quarantineLayout';
import { formatTableName } from '../domain/tableName';
import { bulk } from './engine/activityProxies';
import { Runbook } from './engine/runbook';
import { ResumeOnCancel, resumeOnCancel } from './engine/taskUndo';

/**
 * What a cancelled fullReload undoes. Until its first reload call the run can be taken back whole: the quarantined
 * files move back to the table's prefix (the move is copy-verify-delete from a manifest, so a move stopped midway
 * leaves every file in one place or both, and moving back completes it) and the tasks it stopped resume. From the
 * first reload call on, the table's prefix holds what DMS reloads: the cancel leaves the reload, and the quarantine,
 * in place and prints where the old files are with the commands that put them back.
 */
export class ReloadUndo {
  private drops: Array<() => void> = [];
  private stopped: Array<{ arn: string; identifier: string }> = [];
  /** The "stays stopped" entries of tasks whose reload was not started yet, by task ARN. */
  private waitingStopped = new Map<string, () => void>();
  private reloading = false;

  constructor(
    private readonly runbook: Runbook,
    private readonly bucket: string,
  ) {}

  /** Before a task is stopped: a cancel resumes it. */
  stopping(task: { arn: string; identifier: string }): ResumeOnCancel {
    this.stopped.push(task);
    const resume = resumeOnCancel(this.runbook, task);
    this.drops.push(resume.drop);
    return resume;
  }

  /** Before a table's files move to the quarantine: a cancel moves what was moved back. */
  quarantining(layout: QuarantineLayout): void {
    const { tablePrefix, quarantinePrefix } = layout;
    const table = formatTableName(layout.table);
    this.drops.push(
      this.runbook.onCancel(
        `move ${table}'s quarantined files back to s3://${this.bucket}/${tablePrefix}`,
        `aws s3 mv --recursive s3://${this.bucket}/${quarantinePrefix} s3://${this.bucket}/${tablePrefix}`,
        async () => {
          const moved = await bulk.moveObjects({
            from: quarantinePrefix,
            to: tablePrefix,
            manifestKey: layout.manifests.restore,
            operation: 'RestoreQuarantinedFiles',
          });
          this.runbook.record(moved.record);
          return `${moved.objects} file(s) back under s3://${this.bucket}/${tablePrefix} (manifest s3://${this.bucket}/${moved.manifestKey}); the quarantine of ${table} is empty`;
        },
      ),
    );
  }

  /** Before the first reload call: from here a cancel leaves the reload and the quarantine, with the commands. */
  reloadStarting(layouts: QuarantineLayout[]): void {
    if (this.reloading) return;
    this.runbook.stopIfCancelled();
    this.reloading = true;
    for (const drop of this.drops) drop();
    for (const layout of layouts) {
      this.runbook.onCancel(
        `${formatTableName(layout.table)}: the reload keeps running; the files from before it stay in s3://${this.bucket}/${layout.quarantinePrefix} (every key in ${layout.manifests.quarantine})`,
        `aws s3 mv --recursive s3://${this.bucket}/${layout.tablePrefix} s3://${this.bucket}/${layout.rolledBackPrefix} && aws s3 mv --recursive s3://${this.bucket}/${layout.quarantinePrefix} s3://${this.bucket}/${layout.tablePrefix}`,
      );
    }
    for (const task of this.stopped) {
      this.waitingStopped.set(
        task.arn,
        this.runbook.onCancel(
          `task ${task.identifier} stays stopped: its reload-target start was not made (resuming it would apply CDC to a table whose files are in the quarantine)`,
          resumeCommand(task),
        ),
      );
    }
  }

  /** A task's reload was started: it no longer waits stopped. */
  started(taskArn: string): void {
    this.waitingStopped.get(taskArn)?.();
    this.waitingStopped.delete(taskArn);
  }
}
