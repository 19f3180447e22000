import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DmsFault } from './dmsFault';
import type { EmulatorContext } from './emulatorContext';
import { OPERATIONS } from './operations';
import { TokenBucket } from './tokenBucket';
import { CallTimeline } from './callTimeline';

/** The AWS JSON 1.1 protocol of DMS: `POST /` with `X-Amz-Target: AmazonDMSv20160101.<Operation>`. */

const TARGET_PREFIX = 'AmazonDMSv20160101.';

export class DmsApi {
  readonly bucket = new TokenBucket(100, 4);
  readonly timeline = new CallTimeline();

  constructor(private readonly context: EmulatorContext) {}

  async handle(request: IncomingMessage, body: string, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const ctx = this.context;
    const target = String(request.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    try {
      if (request.method !== 'POST')
        throw new DmsFault('UnknownOperationException', `${request.method} is not supported: DMS takes POST /`);
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new DmsFault('UnknownOperationException', `X-Amz-Target "${target}" does not name an AmazonDMSv20160101 operation`);
      }
      const operation = OPERATIONS[operationName];
      if (!operation) {
        throw new DmsFault('UnknownOperationException', `Operation ${operationName} is not supported by the DMS emulator`);
      }
      const counter = (ctx.state.calls[operationName] ??= { count: 0, mutating: operation.mutating });
      counter.count += 1;
      this.timeline.record();
      ctx.changed();
      const faults = ctx.state.faults;
      if (faults.throttling.enabled) {
        this.bucket.configure(faults.throttling.capacity, faults.throttling.refillPerSecond);
        if (!this.bucket.take()) {
          counter.throttled = (counter.throttled ?? 0) + 1;
          throw new DmsFault('ThrottlingException', 'Rate exceeded');
        }
      }
      if (faults.accessDenied.includes(operationName)) {
        throw new DmsFault(
          'AccessDeniedFault',
          `User: arn:aws:iam::123456789012:user/sandbox is not authorized to perform: dms:${operationName}`,
        );
      }
      if (faults.transientErrorRate > 0 && Math.random() < faults.transientErrorRate) {
        throw new DmsFault('InternalFailure', 'An internal error occurred (injected transient fault)', 500);
      }
      let input: unknown = {};
      if (body.trim() !== '') {
        try {
          input = JSON.parse(body);
        } catch {
          throw new DmsFault('SerializationException', 'The request body is not valid JSON');
        }
      }
      const output = await operation.run(ctx, input);
      send(response, 200, requestId, output ?? {});
    } catch (error) {
      if (error instanceof DmsFault) {
        send(response, error.httpStatus, requestId, { __type: error.code, message: error.message }, error.code);
      } else {
        console.error(`[dms-emulator] ${operationName} failed:`, error);
        send(
          response,
          500,
          requestId,
          { __type: 'InternalFailure', message: `emulator error in ${operationName}: ${(error as Error).message}` },
          'InternalFailure',
        );
      }
    }
  }
}

function send(response: ServerResponse, status: number, requestId: string, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
}
