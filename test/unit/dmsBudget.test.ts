import { dmsEndpointActivities } from '../../activities/dmsEndpointActions';
import { dmsFactActivities } from '../../activities/dmsFacts';
import { dmsInstanceActivities } from '../../activities/dmsInstanceActions';
import { dmsReloadWaitActivities } from '../../activities/dmsReloadWaits';
import { dmsTaskActivities } from '../../activities/dmsTaskActions';
import { dmsWaitActivities } from '../../activities/dmsWaits';
import type { ActivityDeps } from '../../activities/deps';
import { DMS_ACTIVITIES } from '../../domain/dmsBudget';
import { testConfig } from '../support/testConfig';

test('every activity of the DMS modules follows the DMS budget, and nothing else does', () => {
  // The factories only read the configuration when they are built; no call is made.
  const deps = { config: testConfig() } as unknown as ActivityDeps;
  const names = [
    dmsFactActivities,
    dmsTaskActivities,
    dmsInstanceActivities,
    dmsEndpointActivities,
    dmsWaitActivities,
    dmsReloadWaitActivities,
  ]
    .flatMap((factory) => Object.keys(factory(deps)))
    .sort();
  expect([...DMS_ACTIVITIES].sort()).toEqual(names);
});
