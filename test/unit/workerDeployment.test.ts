import { releaseBuildId, workerDeploymentOptions } from '../../worker/deployment';
import { VERSIONING_BEHAVIOR } from '../../workflows/versioningBehavior';
import { runbookKindSchema } from '../../domain/config';
import packageJson from '../../package.json';

describe('worker deployment version', () => {
  test('unversioned unless a deployment name is set', () => {
    expect(workerDeploymentOptions({})).toBeUndefined();
  });

  test('the build id comes from the release: an explicit id, else package version + git sha', () => {
    expect(releaseBuildId({ DMS_RUNBOOKS_BUILD_ID: 'r42' })).toBe('r42');
    expect(releaseBuildId({ GIT_SHA: 'abc123' })).toBe(`${packageJson.version}+abc123`);
    expect(workerDeploymentOptions({ DMS_RUNBOOKS_DEPLOYMENT_NAME: 'dms-runbooks', GIT_SHA: 'abc123' })).toEqual({
      version: { deploymentName: 'dms-runbooks', buildId: `${packageJson.version}+abc123` },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
  });

  test('every workflow type has a versioning behaviour: the runbooks that act after a gate are pinned', () => {
    expect(Object.keys(VERSIONING_BEHAVIOR).sort()).toEqual([...runbookKindSchema.options, 'resourceLock', 'fullReloadPart'].sort());
    for (const kind of ['onboardTable', 'fullReload', 'backfillPartitions', 'resizeInstance'] as const) {
      expect(VERSIONING_BEHAVIOR[kind]).toBe('PINNED');
    }
    expect(VERSIONING_BEHAVIOR.resourceLock).toBe('AUTO_UPGRADE');
  });
});
