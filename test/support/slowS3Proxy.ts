import http from 'node:http';
import type net from 'node:net';

/**
 * An HTTP proxy in front of moto's S3 that holds every CopyObject request (`x-amz-copy-source`) for `delayMs`
 * before passing it on: an S3 move of a few dozen objects then takes seconds, long enough to cancel it midway.
 * Other requests pass at once.
 */
export class SlowS3Proxy {
  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
    private readonly seen: { copies: number; delayMs: number },
  ) {}

  /** Holds later copies for `ms` instead (0: none is held). */
  set delayMs(ms: number) {
    this.seen.delayMs = ms;
  }

  /** CopyObject requests received so far. */
  get copies(): number {
    return this.seen.copies;
  }

  static async start(upstream: string, delayMs: number): Promise<SlowS3Proxy> {
    const target = new URL(upstream);
    const seen = { copies: 0, delayMs };
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const copy = request.headers['x-amz-copy-source'] !== undefined;
        if (copy) seen.copies++;
        setTimeout(
          () => {
            const forwarded = http.request(
              { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers },
              (answer) => {
                response.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(response);
              },
            );
            forwarded.on('error', (error) => {
              response.writeHead(502);
              response.end(error.message);
            });
            forwarded.end(Buffer.concat(chunks));
          },
          copy ? seen.delayMs : 0,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new SlowS3Proxy(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
