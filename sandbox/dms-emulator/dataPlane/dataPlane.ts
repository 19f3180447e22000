import type { S3Client } from '@aws-sdk/client-s3';
import type { EmulatorContext } from '../emulatorContext';
import type { TaskRecord } from '../emulatorState';
import { testEndpoint } from './connectionTester';
import { resolveScope } from './scopeResolver';
import { s3Client } from './s3Target';
import { recoverableError } from '../engine';
import { loadTable, SourceTableMissing } from './tableLoader';

/**
 * Runs the real work behind the state machine: resolving a starting task's tables, loading tables, testing
 * connections, streaming CDC. Jobs are derived from the state at every tick, so after a restart the work a
 * task still needs simply starts again.
 */
export class DataPlane {
  private readonly active = new Set<string>();
  readonly s3: S3Client;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly cdc?: { kick(task: TaskRecord): void },
  ) {
    this.s3 = s3Client(ctx.settings.s3Endpoint, ctx.settings.region);
  }

  kick(): void {
    for (const task of this.ctx.state.tasks) {
      const run = task.run;
      if (!run) continue;
      if (task.status === 'starting' && !run.scopeResolved && !run.scopeError) {
        const generation = run.generation;
        this.launch(
          `scope:${task.arn}:${generation}`,
          () => resolveScope(this.ctx, task.arn, generation),
          (error) => {
            const current = this.ctx.state.tasks.find((t) => t.arn === task.arn);
            if (current?.run?.generation === generation) current.run.scopeError = error.message;
          },
        );
      }
      // A recoverable error being retried: no load and no CDC until it clears (engine.ts).
      if (task.status === 'running' && recoverableError(this.ctx, task)) continue;
      if (task.status === 'running') {
        if (run.loading.some((key) => this.needsLoad(task, key))) {
          this.launch(`load:${task.arn}`, () => this.loadPending(task.arn));
        }
      }
      if (task.status === 'running' || task.status === 'stopping') this.cdc?.kick(task);
    }
    for (const connection of this.ctx.state.connections) {
      if (connection.status !== 'testing' || connection.result) continue;
      this.launch(`connection:${connection.instanceArn}:${connection.endpointArn}`, async () => {
        const endpoint = this.ctx.state.endpoints.find((e) => e.arn === connection.endpointArn);
        connection.result = endpoint ? await testEndpoint(endpoint, this.s3) : { ok: false, message: 'endpoint was deleted' };
        this.ctx.changed();
      });
    }
  }

  private needsLoad(task: TaskRecord, key: string): boolean {
    const table = task.tables[key];
    return !!table && !table.loadDone && !table.loadError && table.plannedStart !== undefined;
  }

  /** One table at a time per task: the source and this machine stay calm; emulated time does the parallelism. */
  private async loadPending(taskArn: string): Promise<void> {
    for (;;) {
      const task = this.ctx.state.tasks.find((t) => t.arn === taskArn);
      if (!task || task.status !== 'running' || !task.run) return;
      const next = task.run.loading
        .filter((key) => this.needsLoad(task, key))
        .sort((a, b) => (task.tables[a]!.plannedStart ?? 0) - (task.tables[b]!.plannedStart ?? 0))[0];
      if (!next) return;
      const generation = task.tables[next]!.loadGeneration;
      try {
        await loadTable(this.ctx, this.s3, taskArn, next, generation);
      } catch (error) {
        const table = this.ctx.state.tasks.find((t) => t.arn === taskArn)?.tables[next];
        if (table && table.loadGeneration === generation) {
          table.loadError = (error as Error).message;
          table.sourceMissing = error instanceof SourceTableMissing;
          table.loadDone = true;
          this.ctx.changed();
        }
        console.error(`[dms-emulator] full load of ${next} for ${taskArn} failed: ${(error as Error).message}`);
      }
      const after = this.ctx.state.tasks.find((t) => t.arn === taskArn)?.tables[next];
      // A stop or a newer load of the same table leaves it needing work: let the next kick pick it up.
      if (after && after.loadGeneration !== generation) continue;
    }
  }

  private launch(key: string, job: () => Promise<void>, onError?: (error: Error) => void): void {
    if (this.active.has(key)) return;
    this.active.add(key);
    job()
      .catch((error: Error) => {
        console.error(`[dms-emulator] ${key}: ${error.message}`);
        onError?.(error);
        this.ctx.changed();
      })
      .finally(() => this.active.delete(key));
  }
}
