import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  text: string;
  dms_runbooks: { event: string; kind: string; workflowId: string; target: string; gate?: string };
}

/** A local Slack-compatible incoming webhook that records what runbooks post. */
export async function startWebhookReceiver(options: { status?: number } = {}) {
  const received: ReceivedNotification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as ReceivedNotification);
      } catch {
        /* recorded as nothing */
      }
      res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/test`,
    received,
    events: (workflowId: string) => received.filter((n) => n.dms_runbooks.workflowId === workflowId).map((n) => n.dms_runbooks.event),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
