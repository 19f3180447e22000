import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Component, ComponentError } from './component';
import { isAlive, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { ensurePythonEnv, pinnedVersion, pythonModuleVersion } from './pythonEnv';
import { StackSettings } from './settings';

/** The lake's own pinned Python (PySpark, delta-spark); its JVM parts are pinned in sandbox/lake/versions.py. */
export const LAKE_REQUIREMENTS = path.resolve(__dirname, '..', 'lake', 'requirements.txt');
/** The bearer token the Jobs API stand-in accepts (sandbox only). */
export const LAKE_TOKEN = 'sandbox-token';
/** The first start resolves ~290 MB of jars from Maven Central into .tools/lake-ivy; later starts take seconds. */
const FIRST_START_TIMEOUT_MS = 15 * 60 * 1000;

export const lakeUrl = (s: StackSettings) => `http://${s.host}:${s.lakePort}`;

function javaVersion(): string {
  try {
    // `java -version` writes to stderr.
    const out = execFileSync('java', ['-version'], { stdio: 'pipe', timeout: 30000 });
    return out.toString();
  } catch (error) {
    const e = error as { stderr?: Buffer; code?: string };
    if (e.code === 'ENOENT') {
      throw new ComponentError('lake', 'java is not on PATH (Spark needs a JVM)', 'install Java 17 (Debian: apt-get install -y openjdk-17-jre-headless)');
    }
    return e.stderr?.toString() ?? '';
  }
}

async function healthy(s: StackSettings): Promise<boolean> {
  try {
    return (await fetch(`${lakeUrl(s)}/sandbox/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The lake reference consumer (sandbox/lake/): Spark Structured Streaming + Delta Lake reading moto's S3, behind a
 * stand-in for the Databricks Jobs API 2.1. Heavy (a JVM), so `stack up` leaves it out: `stack up lake` or
 * test/support/lake.ts `ensureLake()` start it.
 */
export function lakeComponent(s: StackSettings, log: (line: string) => void): Component {
  const url = lakeUrl(s);
  return {
    name: 'lake',
    address: `${url} (Databricks Jobs API stand-in; Spark + Delta over moto's S3)`,
    dependsOn: ['moto'],
    isUp: async () => isAlive(readPid(s.stackDir, 'lake')) && (await healthy(s)),
    async start() {
      javaVersion();
      const python = ensurePythonEnv(s.toolsDir, log, LAKE_REQUIREMENTS);
      if (isAlive(readPid(s.stackDir, 'lake'))) await stopProcess(s.stackDir, 'lake');
      startDetached({
        name: 'lake',
        command: python,
        args: [path.join(s.root, 'sandbox', 'lake', 'main.py')],
        stackDir: s.stackDir,
        logsDir: s.logsDir,
        cwd: s.root,
        env: {
          ...process.env,
          STACK_LAKE_PORT: String(s.lakePort),
          LAKE_HOST: s.host,
          LAKE_TOKEN,
          LAKE_STATE_DIR: path.join(s.stackDir, 'lake'),
          LAKE_IVY_DIR: path.join(s.toolsDir, 'lake-ivy'),
          LAKE_S3_ENDPOINT: `http://${s.host}:${s.motoPort}`,
          LAKE_SOURCE: process.env.LAKE_SOURCE ?? `s3://${s.bucket}/dms`,
          STACK_BUCKET: s.bucket,
          AWS_ACCESS_KEY_ID: 'sandbox',
          AWS_SECRET_ACCESS_KEY: 'sandbox',
        },
      });
      log(`lake starting (first start downloads Spark's jars from Maven Central; log: ${path.join(s.logsDir, 'lake.log')})`);
      await waitFor('lake', () => healthy(s), FIRST_START_TIMEOUT_MS, () => tailLog(s.logsDir, 'lake'));
    },
    stop: () => stopProcess(s.stackDir, 'lake'),
    version: () => {
      const spark = pythonModuleVersion(s.toolsDir, 'pyspark', LAKE_REQUIREMENTS);
      const delta = pinnedVersion('delta-spark', LAKE_REQUIREMENTS);
      return spark ? `pyspark ${spark}, delta-spark ${delta}` : `pyspark ${pinnedVersion('pyspark', LAKE_REQUIREMENTS)} (pinned, not installed yet)`;
    },
    env: () => ({ DATABRICKS_HOST: url, DATABRICKS_TOKEN: LAKE_TOKEN }),
  };
}
