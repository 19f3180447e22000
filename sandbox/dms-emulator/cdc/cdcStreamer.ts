import type { EmulatorContext } from '../emulatorContext';
import type { TaskRecord } from '../emulatorState';

/** Placeholder until the binlog reader lands: CDC statistics stay honest (zero). */
export class CdcStreamer {
  constructor(private readonly ctx: EmulatorContext) {}

  kick(_task: TaskRecord): void {
    void this.ctx;
  }

  stop(): void {}
}
