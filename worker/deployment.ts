import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkerDeploymentOptions } from '@temporalio/worker';

/** The release's version from package.json, found from the source tree (worker/) and from the build (dist/worker/). */
function packageVersion(): string {
  for (const up of [['..'], ['..', '..']]) {
    const file = path.resolve(__dirname, ...up, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

function gitSha(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** DMS_RUNBOOKS_BUILD_ID, else `<package version>+<git sha>` (GIT_SHA, or the checkout's HEAD), else the version. */
export function releaseBuildId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DMS_RUNBOOKS_BUILD_ID) return env.DMS_RUNBOOKS_BUILD_ID;
  const sha = env.GIT_SHA ?? gitSha();
  return sha ? `${packageVersion()}+${sha}` : packageVersion();
}

/**
 * Worker Versioning, on when DMS_RUNBOOKS_DEPLOYMENT_NAME names the worker deployment: the worker polls as version
 * `<deployment>.<build id>`, and each workflow type's behaviour (pinned or auto-upgrade) is set in
 * workflows/versioningBehavior.ts. Off otherwise (tests, the sandbox): a versioned worker receives no task until its
 * version is made current (`temporal worker deployment set-current-version`), see docs/deploying-safely.md.
 */
export function workerDeploymentOptions(env: NodeJS.ProcessEnv = process.env): WorkerDeploymentOptions | undefined {
  const deploymentName = env.DMS_RUNBOOKS_DEPLOYMENT_NAME;
  if (!deploymentName) return undefined;
  return {
    version: { deploymentName, buildId: releaseBuildId(env) },
    useWorkerVersioning: true,
    // Types without their own behaviour (none today) are pinned: the safe default for runbooks that change things.
    defaultVersioningBehavior: 'PINNED',
  };
}
