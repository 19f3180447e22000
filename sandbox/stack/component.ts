/** One part of the local stack: started idempotently, checked, stopped; failures name the part and the fix. */
export interface Component {
  name: string;
  /** Human-readable address for `stack:status`. */
  address: string;
  /** Components that must be up (and seeded) before this one starts. */
  dependsOn?: string[];
  isUp(): Promise<boolean>;
  start(): Promise<void>;
  /** Idempotent set-up run on every `stack:up` once the part answers (bucket, users, seed data). */
  seed?(): Promise<void>;
  stop(): Promise<boolean>;
  /** KEY=VALUE lines this component contributes to .stack/env. */
  env(): Record<string, string>;
  /** The version of what this part runs, for `stack:status`; undefined when it is not installed yet. */
  version(): string | undefined;
}

export class ComponentError extends Error {
  constructor(
    readonly component: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`${component}: ${reason}\n  fix: ${fix}`);
  }
}
