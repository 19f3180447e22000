import { FieldSpec, typedValue } from './flagTypes';
import { UsageError } from './usageError';

export { UsageError };

/** `cmd pos1 pos2 --flag value --bool`: positionals and flags; `--k=v` works too. */
export interface Args {
  positionals: string[];
  /** The last value of each flag. */
  flags: Record<string, string | true>;
  /** Every value of each flag, in order (a list field takes them all). */
  occurrences: Record<string, Array<string | true>>;
}

export function parseArgs(argv: string[]): Args {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  const occurrences: Record<string, Array<string | true>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? (i + 1 < argv.length && !argv[i + 1]!.startsWith('--') ? argv[++i]! : true);
    flags[name] = value;
    (occurrences[name] ??= []).push(value);
  }
  return { positionals, flags, occurrences };
}

export function flag(args: Args, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

/**
 * Runbook input from `--input JSON` and the other flags, each typed by its field in the runbook's schemas
 * (cli/flagTypes.ts): `--table shop.x --dry-run` gives { table: 'shop.x', dryRun: true }, `--from 20261101` stays
 * text, `--tables a --tables b` gives a list. A flag wins over the same field in `--input`.
 */
export function runbookInput(args: Args, reserved: string[], fields: Map<string, FieldSpec>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const json = flag(args, 'input');
  if (json) {
    try {
      Object.assign(input, JSON.parse(json));
    } catch (error) {
      throw new UsageError(`--input is not JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, values] of Object.entries(args.occurrences)) {
    if (reserved.includes(name)) continue;
    const key = name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    input[key] = typedValue(name, values, fields.get(key));
  }
  return input;
}
