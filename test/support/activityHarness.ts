import { Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../activities';
import type { PipelineConfig } from '../../domain/config';
import { createActivityDeps } from '../../worker/deps';
import { testConfig } from './testConfig';

/** Activities built exactly as the worker builds them, run in a mock activity context (heartbeats, attempt). */
export async function activityHarness(config: PipelineConfig = testConfig()) {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const deps = createActivityDeps(config, connection, 'default', pino({ level: 'silent' }));
  const activities = createActivities(deps);
  return {
    deps,
    activities,
    run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
      return new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') }).run(fn, ...args);
    },
    async close() {
      await deps.close();
      await connection.close();
    },
  };
}
