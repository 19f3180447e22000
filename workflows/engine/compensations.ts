import type { UndoRecord } from '../../domain/cancellation';

/** One change a cancel must undo: what it is, the command that undoes it by hand, and the undo (none: left in place). */
export interface Compensation {
  what: string;
  command: string;
  undo?: () => Promise<string | void>;
}

/**
 * The undo actions a runbook registers as it makes changes. On cancel they run newest first (a task is resumed only
 * after the mapping it was stopped for is restored); a failed undo is recorded with its command, never swallowed,
 * and the next ones still run. A change the body undid itself (a task it resumed) is dropped with the function
 * `add` returns.
 */
export class Compensations {
  private entries: Array<Compensation & { id: number }> = [];
  private nextId = 0;

  add(compensation: Compensation): () => void {
    const id = this.nextId++;
    this.entries.push({ ...compensation, id });
    return () => {
      this.entries = this.entries.filter((e) => e.id !== id);
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** Runs every undo newest first, filling `records` as it goes and calling `changed` after each state change. */
  async runAll(records: UndoRecord[], changed: () => void, describe: (error: unknown) => string): Promise<void> {
    const entries = [...this.entries].reverse();
    this.entries = [];
    const mine = entries.map((e): UndoRecord => ({ what: e.what, state: e.undo ? 'pending' : 'left', command: e.command }));
    records.push(...mine);
    changed();
    for (const [i, entry] of entries.entries()) {
      const record = mine[i]!;
      if (!entry.undo) continue;
      record.state = 'running';
      changed();
      try {
        const detail = await entry.undo();
        record.state = 'done';
        if (detail) record.detail = detail;
      } catch (error) {
        record.state = 'failed';
        record.detail = describe(error);
      }
      changed();
    }
  }
}
