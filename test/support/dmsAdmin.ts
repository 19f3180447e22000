/** The DMS emulator's admin API (sandbox only): call counters, faults, clock. */
const base = () => process.env.DMS_EMULATOR_ADMIN_URL ?? `${process.env.AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE}/_admin`;

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base()}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator admin ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface CallCounts {
  operations: Record<string, { count: number; mutating: boolean; throttled?: number }>;
  /** `throttled`: calls answered ThrottlingException (counted in `all` too). */
  totals: { all: number; mutating: number; readOnly: number; throttled: number };
}

export const dmsCalls = () => admin<CallCounts>('GET', '/calls');
/** Calls per second at the emulator since the last reset: the mean over the span and the most in any one second. */
export const dmsCallRate = () =>
  admin<{ calls: number; meanPerSecond: number; maxInOneSecond: number; firstAt?: number; lastAt?: number }>('GET', '/calls/rate');
export const resetDmsCalls = () => admin<unknown>('POST', '/calls/reset');
export const setDmsFaults = (faults: unknown) => admin<unknown>('POST', '/faults', faults);
export const clearDmsFaults = () => admin<unknown>('DELETE', '/faults');

/** Mutating calls by operation, e.g. { StopReplicationTask: 1 }. */
export async function mutatingCalls(): Promise<Record<string, number>> {
  const calls = await dmsCalls();
  return Object.fromEntries(
    Object.entries(calls.operations)
      .filter(([, v]) => v.mutating && v.count > 0)
      .map(([k, v]) => [k, v.count]),
  );
}

/** The emulator's unverified-behaviour settings (merged), e.g. { describeLag: { milliseconds: 4000 } }. */
export const dmsBehaviour = () => admin<Record<string, unknown>>('GET', '/behaviour');
export const setDmsBehaviour = (behaviour: unknown) => admin<Record<string, unknown>>('POST', '/behaviour', behaviour);
