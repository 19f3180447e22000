import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a sandbox service (moto) that answers a share of requests with a 500 before they
 * reach it, as S3 occasionally does,: for rehearsing and testing retries of transient errors.
 */
export interface FaultProxy {
  url: string;
  injected: number;
  forwarded: number;
  close(): Promise<void>;
}

/** Every `failEvery`-th request (the 1st, the (n+1)th, …) gets a 500: deterministic, so a test always sees faults. */
export async function startFaultProxy(target: string, failEvery: number): Promise<FaultProxy> {
  let requests = 0;
  const upstream = new URL(target);
  const proxy: FaultProxy = { url: '', injected: 0, forwarded: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    if (requests++ % failEvery === 0) {
      proxy.injected++;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error (injected). Please try again.</Message></Error>',
      );
      return;
    }
    proxy.forwarded++;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}
