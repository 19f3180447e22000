/**
 * A stand-in `schemaDriftWatch` for tests of what reads its results (the doctor): it completes at once with the
 * result it is given, so visibility holds a real completed execution of that workflow type.
 */
export function schemaDriftWatch(result: unknown): Promise<unknown> {
  return Promise.resolve(result);
}
