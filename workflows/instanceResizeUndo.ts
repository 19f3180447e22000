import type { InstanceSnapshot } from '../domain/dmsStates';
import { afterChange } from '../domain/describeLag';
import { describeInstanceCommand } from '../domain/instanceResize';
import { Runbook } from './engine/runbook';
import { resumeOnCancel, ResumeOnCancel } from './engine/taskUndo';
import { waiting, waitUntil } from './engine/waits';

/**
 * What a cancelled instance change undoes. DMS has no call that cancels a ModifyReplicationInstance in progress (none
 * among the operations of the DMS API reference, dms-2016-01-01; no user-guide page describes one: unverified), so
 * the undo waits for the modification to end and reports the instance's state; the tasks the run stopped are resumed
 * only once the instance is available with nothing pending (never onto a half-changed instance): otherwise they stay
 * stopped, with their resume commands.
 */
export class ResizeUndo {
  /** Set once the modification was waited for; false when it did not end within the deadline. */
  private instanceWhole = true;
  private resumes: ResumeOnCancel[] = [];
  private dropModify?: () => void;

  constructor(
    private readonly runbook: Runbook,
    private readonly instance: InstanceSnapshot,
  ) {}

  /** Before the tasks are stopped. */
  stopping(tasks: Array<{ arn: string; identifier: string }>): void {
    this.resumes = tasks.map((t) =>
      resumeOnCancel(this.runbook, t, () =>
        this.instanceWhole
          ? Promise.resolve()
          : Promise.reject(
              new Error(
                `not resumed: replication instance ${this.instance.identifier} is not available with nothing pending; resume the task once \`${describeInstanceCommand(this.instance.identifier)}\` shows it available`,
              ),
            ),
      ),
    );
  }

  stopsMade(): void {
    for (const r of this.resumes) r.stopMade();
  }

  /** Before ModifyReplicationInstance; `made()` after it returned. */
  modifying(targetClass: string, allocatedStorageGb: number | undefined): { made: () => void } {
    let made = false;
    const config = this.runbook.config;
    this.dropModify = this.runbook.onCancel(
      `wait for the change of replication instance ${this.instance.identifier} to ${targetClass} to end (DMS cannot cancel it) and report its state`,
      describeInstanceCommand(this.instance.identifier),
      async () => {
        if (!made) return `never requested: ${this.instance.identifier} stays ${this.instance.instanceClass}`;
        try {
          const after = afterChange(
            { kind: 'instance-modified', instanceClass: targetClass, allocatedStorageGb },
            config.waits.describeLagSeconds,
          );
          const done = await waitUntil(
            `replication instance ${this.instance.identifier} available`,
            config.waits.instanceModifyMinutes,
            () => waiting(config, config.waits.instanceModifyMinutes).waitForInstance({ instanceArn: this.instance.arn, after }),
          );
          return `${done.identifier} is ${done.status} as ${done.instanceClass}, ${done.allocatedStorageGb} GB`;
        } catch (error) {
          this.instanceWhole = false;
          throw error;
        }
      },
    );
    return {
      made: () => {
        made = true;
      },
    };
  }

  /** The phase ended (tasks resumed): nothing of it is left to undo. */
  done(): void {
    this.dropModify?.();
    for (const r of this.resumes) r.drop();
  }
}
