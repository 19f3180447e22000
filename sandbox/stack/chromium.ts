import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian's chromium (installed by scripts/ensure-chromium.sh), the browser of the Web UI suite. */
export function chromiumVersion(): string | undefined {
  const binary = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(binary)) return undefined;
  try {
    return execFileSync(binary, ['--version'], { stdio: 'pipe', timeout: 30000 }).toString().trim();
  } catch {
    return undefined;
  }
}
