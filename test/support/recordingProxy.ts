import http from 'node:http';
import type net from 'node:net';

/** One DMS API exchange as it crossed the wire: the operation (from X-Amz-Target), the status and the raw JSON body. */
export interface RecordedExchange {
  operation: string;
  status: number;
  body: string;
}

/**
 * An HTTP proxy in front of the DMS emulator that keeps every response as it was sent, so a suite can check the
 * raw bytes against AWS's own model afterwards (what a client library would silently drop is visible here).
 */
export class RecordingProxy {
  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
    readonly exchanges: RecordedExchange[],
  ) {}

  static async start(upstream: string): Promise<RecordingProxy> {
    const target = new URL(upstream);
    const exchanges: RecordedExchange[] = [];
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const forwarded = http.request(
          { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () => {
              const raw = Buffer.concat(body);
              const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1];
              if (operation) exchanges.push({ operation, status: answer.statusCode ?? 0, body: raw.toString('utf8') });
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              response.end(raw);
            });
          },
        );
        forwarded.on('error', (error) => {
          response.writeHead(502);
          response.end(error.message);
        });
        forwarded.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RecordingProxy(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, exchanges);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
