import { ApplicationFailure } from '@temporalio/common';
import { activityHarness } from '../support/activityHarness';
import { clearDmsFaults, setDmsFaults } from '../support/dmsAdmin';

/** An IAM identity without a permission gets an error naming it, and the failure is not retried. */

let h: Awaited<ReturnType<typeof activityHarness>>;
beforeAll(async () => {
  h = await activityHarness();
});
afterAll(async () => {
  await clearDmsFaults();
  await h.close();
});

test('AccessDeniedFault from DMS names the missing permission and what to do, as a non-retryable failure', async () => {
  await setDmsFaults({ accessDenied: ['DescribeEndpoints'] });
  const error = (await h.run(h.activities.findEndpoint, { identifier: 'shop-lake-s3' }).catch((e: unknown) => e)) as ApplicationFailure;
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error.type).toBe('AccessDeniedFault');
  expect(error.nonRetryable).toBe(true);
  expect(error.message).toContain('dms:DescribeEndpoints was denied to the worker');
  expect(error.message).toContain('npm run iam-policy');
  await clearDmsFaults();
  expect((await h.run(h.activities.findEndpoint, { identifier: 'shop-lake-s3' }))?.identifier).toBe('shop-lake-s3');
});
