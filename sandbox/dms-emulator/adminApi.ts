import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DmsApi } from './dmsApi';
import type { EmulatorContext } from './emulatorContext';
import { defaultBehaviour, mergeBehaviour } from './behaviourSettings';
import { mergeFaults, noFaults } from './faultSettings';

/** `/_admin/…`: JSON endpoints for tests, benchmarks and rehearsals (faults, clock, call counters, reset, state). */
export class AdminApi {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly api: DmsApi,
  ) {}

  handle(request: IncomingMessage, body: string, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      const input = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      const result = this.route(route, input);
      if (result === undefined) return send(response, 404, { error: `no admin route ${route}`, routes: ROUTES });
      this.ctx.flush();
      send(response, 200, result);
    } catch (error) {
      send(response, 400, { error: (error as Error).message });
    }
  }

  private route(route: string, input: Record<string, unknown>): unknown {
    const ctx = this.ctx;
    switch (route) {
      case 'GET /_admin':
      case 'GET /_admin/health':
        return { ok: true, routes: ROUTES, ...this.clock() };
      case 'GET /_admin/clock':
        return this.clock();
      case 'POST /_admin/clock': {
        ctx.clock.setSpeed(Number(input.speed));
        ctx.changed();
        return this.clock();
      }
      case 'GET /_admin/faults':
        return ctx.state.faults;
      case 'POST /_admin/faults':
        ctx.state.faults = mergeFaults(ctx.state.faults, input);
        if (ctx.state.faults.throttling.enabled) this.api.bucket.refill();
        ctx.changed();
        return ctx.state.faults;
      case 'DELETE /_admin/faults':
        ctx.state.faults = noFaults();
        ctx.changed();
        return ctx.state.faults;
      case 'GET /_admin/behaviour':
        return ctx.behaviour();
      case 'POST /_admin/behaviour':
        ctx.state.behaviour = mergeBehaviour(ctx.behaviour(), input);
        ctx.changed();
        return ctx.state.behaviour;
      case 'DELETE /_admin/behaviour':
        ctx.state.behaviour = defaultBehaviour();
        ctx.changed();
        return ctx.state.behaviour;
      case 'GET /_admin/calls':
        return this.calls();
      case 'GET /_admin/calls/rate':
        return this.api.timeline.rates();
      case 'POST /_admin/calls/reset':
        ctx.state.calls = {};
        this.api.timeline.clear();
        ctx.changed();
        return this.calls();
      case 'POST /_admin/reset': {
        const speed = input.speed === undefined ? ctx.settings.speed : Number(input.speed);
        ctx.reset(speed);
        this.api.bucket.refill();
        return { reset: true, ...this.clock() };
      }
      case 'GET /_admin/state':
        return redacted(ctx);
      default:
        return undefined;
    }
  }

  private clock() {
    const now = this.ctx.now();
    return { speed: this.ctx.clock.speed, emulatedNow: now / 1000, emulatedNowIso: new Date(now).toISOString() };
  }

  private calls() {
    const operations = this.ctx.state.calls;
    const all = Object.values(operations);
    return {
      operations,
      totals: {
        all: all.reduce((n, c) => n + c.count, 0),
        mutating: all.filter((c) => c.mutating).reduce((n, c) => n + c.count, 0),
        readOnly: all.filter((c) => !c.mutating).reduce((n, c) => n + c.count, 0),
        throttled: all.reduce((n, c) => n + (c.throttled ?? 0), 0),
      },
    };
  }
}

function redacted(ctx: EmulatorContext): unknown {
  return { ...ctx.state, endpoints: ctx.state.endpoints.map((e) => ({ ...e, password: e.password ? '***' : undefined })) };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 1);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export const ROUTES = [
  'GET /_admin/health',
  'GET /_admin/clock',
  'POST /_admin/clock {"speed": 600}',
  'GET /_admin/faults',
  'POST /_admin/faults {…partial faults, merged; null removes a key}',
  'DELETE /_admin/faults',
  'GET /_admin/behaviour',
  'POST /_admin/behaviour {"definitions": {"reloadTarget": "keep"}} (merged)',
  'DELETE /_admin/behaviour',
  'GET /_admin/calls',
  'GET /_admin/calls/rate',
  'POST /_admin/calls/reset',
  'POST /_admin/reset {"speed"?: n}',
  'GET /_admin/state',
];
