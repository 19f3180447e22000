/** `cmd pos1 pos2 --flag value --bool`: positionals and flags; `--k=v` works too. */
export interface Args {
  positionals: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[]): Args {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (inline !== undefined) flags[name] = inline;
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[name] = argv[++i]!;
    else flags[name] = true;
  }
  return { positionals, flags };
}

export class UsageError extends Error {}

export function flag(args: Args, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

/**
 * Runbook input from `--input JSON` or from the other flags: `--table shop.x --dry-run` gives
 * { table: 'shop.x', dryRun: true }; numbers and true/false are typed; a flag given twice becomes a list.
 */
export function runbookInput(args: Args, reserved: string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const json = flag(args, 'input');
  if (json) {
    try {
      Object.assign(input, JSON.parse(json));
    } catch (error) {
      throw new UsageError(`--input is not JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, raw] of Object.entries(args.flags)) {
    if (reserved.includes(name)) continue;
    const key = name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const value = raw === true || raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    input[key] = value;
  }
  return input;
}
