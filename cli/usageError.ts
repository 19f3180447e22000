/** A mistake on the command line: printed without a stack trace, exit code 2, nothing started. */
export class UsageError extends Error {}
