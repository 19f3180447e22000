import type { EmulatorContext } from './emulatorContext';

/** One DMS API operation: its input is validated by the handler; `mutating` separates writes from reads in the call counters. */
export interface Operation {
  mutating: boolean;
  run(ctx: EmulatorContext, input: unknown): unknown;
}

export type OperationTable = Record<string, Operation>;
