import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConsumerEvent {
  version: number;
  event: 'pause' | 'status' | 'rebuild' | 'rebuild-status' | 'cancel-rebuild' | 'resume' | 'row-count';
  consumer: string;
  workflowId: string;
  table?: string;
  markerKey?: string;
  rebuildId?: string;
  /** resume: what the pause answered, sent back. */
  state?: unknown;
  /** Whether the request's HMAC header matched the body. */
  signed: boolean;
}

/**
 * A consumer behind the webhook contract (docs/downstream.md#webhook-contract), in the test process: records every
 * event, reports a run active for `activeFor` status polls, and ends each rebuild after `rebuildPolls` polls with
 * `rebuildOutcome`.
 */
export async function startConsumerWebhook(
  options: { secret?: string; activeFor?: number; rebuildPolls?: number; rebuildOutcome?: 'succeeded' | 'failed' } = {},
) {
  const events: ConsumerEvent[] = [];
  let statusPolls = 0;
  const polls = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as Omit<ConsumerEvent, 'signed'>;
      const header = req.headers['x-dms-runbooks-signature'];
      const signed = !!options.secret && header === `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
      events.push({ ...event, signed });
      let answer: Record<string, unknown> = {};
      switch (event.event) {
        case 'pause':
          answer = { paused: true, state: { schedule: 'was-running' } };
          break;
        case 'status':
          answer = { active: statusPolls++ < (options.activeFor ?? 0), message: 'ingestion batch 7' };
          break;
        case 'rebuild':
          answer = { rebuildId: `rb-${event.table}` };
          break;
        case 'rebuild-status': {
          const n = (polls.get(event.rebuildId!) ?? 0) + 1;
          polls.set(event.rebuildId!, n);
          answer =
            n > (options.rebuildPolls ?? 1)
              ? {
                  state: options.rebuildOutcome ?? 'succeeded',
                  message: options.rebuildOutcome === 'failed' ? 'MERGE failed: column label not found' : 'rows 600',
                }
              : { state: 'running' };
          break;
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/consumer`,
    events,
    /** The distinct events of one run, in order, without repeated polls. */
    sequence: (workflowId: string) =>
      events
        .filter((e) => e.workflowId === workflowId)
        .map((e) => e.event)
        .filter((e, i, all) => i === 0 || e !== all[i - 1]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
