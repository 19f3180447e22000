import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ComponentError } from './component';

/** The pinned list every machine installs; its hash names the environment, so a change of pins builds a new one. */
export const PYTHON_REQUIREMENTS = path.resolve(__dirname, '..', 'python', 'requirements.txt');
const COMPLETE_STAMP = '.dms-runbooks-complete';

export function pythonEnvDir(toolsDir: string, requirements = PYTHON_REQUIREMENTS): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex').slice(0, 12);
  return path.join(toolsDir, `python-${hash}`);
}

/** A pinned version from the requirements file (`name==version`), for checks and status lines. */
export function pinnedVersion(name: string, requirements = PYTHON_REQUIREMENTS): string {
  const line = fs
    .readFileSync(requirements, 'utf8')
    .split('\n')
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}==`));
  if (!line) throw new Error(`${name} is not pinned in ${requirements}`);
  return line.split('==')[1]!.trim();
}

function run(command: string, args: string[], timeout: number): void {
  execFileSync(command, args, { stdio: 'pipe', timeout, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: Buffer; message: string };
  const stderr = e.stderr?.toString().trim().split('\n').slice(-1)[0];
  return stderr || e.message.split('\n')[0]!;
}

/**
 * The project's Python (a venv under .tools/ with the pinned requirements), created on first use and reused after.
 * The stack runs moto with it even when another moto is installed, so every machine runs the same one. A
 * half-built environment (interrupted install) has no completion stamp and is rebuilt.
 */
export function ensurePythonEnv(toolsDir: string, log: (line: string) => void = () => {}, requirements = PYTHON_REQUIREMENTS): string {
  const dir = pythonEnvDir(toolsDir, requirements);
  const python = path.join(dir, 'bin', 'python');
  if (fs.existsSync(path.join(dir, COMPLETE_STAMP)) && fs.existsSync(python)) return python;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(toolsDir, { recursive: true });
  log(`creating a Python environment in ${dir} (pinned in ${path.relative(process.cwd(), requirements)})`);
  try {
    run('python3', ['-m', 'venv', dir], 120000);
  } catch (error) {
    throw new ComponentError(
      'python',
      `python3 cannot create a virtual environment (${firstLine(error)})`,
      'install Python 3 with venv and pip (Debian: apt-get install -y python3-venv python3-pip)',
    );
  }
  try {
    run(python, ['-m', 'pip', 'install', '--quiet', '--no-input', '-r', requirements], 900000);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new ComponentError(
      'python',
      `pip could not install ${requirements} (${firstLine(error)})`,
      'make PyPI reachable (or set PIP_INDEX_URL to a mirror), then run npm run stack:up again',
    );
  }
  fs.writeFileSync(path.join(dir, COMPLETE_STAMP), new Date().toISOString());
  return python;
}

/** `python -c` in the project's environment, for version lines; undefined when the environment is not built. */
export function pythonModuleVersion(toolsDir: string, module: string, requirements = PYTHON_REQUIREMENTS): string | undefined {
  const python = path.join(pythonEnvDir(toolsDir, requirements), 'bin', 'python');
  if (!fs.existsSync(python)) return undefined;
  try {
    return execFileSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { stdio: 'pipe', timeout: 30000 })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
