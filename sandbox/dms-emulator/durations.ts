/** How long DMS takes for each transition, in emulated seconds (the clock's speed turns them into real time). */
export const DURATIONS = {
  instanceCreate: 300,
  instanceClassChange: 600,
  instanceOtherChange: 120,
  instanceDelete: 120,
  taskCreate: 30,
  taskModify: 30,
  taskStart: 60,
  taskStop: 30,
  taskDelete: 30,
  connectionTest: 20,
  /** Fixed cost of each table's full load on top of its rows. */
  tableOverhead: 5,
} as const;

export const seconds = (s: number) => s * 1000;
