import http from 'node:http';
import { AdminApi } from './adminApi';
import { CdcStreamer } from './cdc/cdcStreamer';
import { MetricsPublisher } from './cloudWatchMetrics';
import { DataPlane } from './dataPlane/dataPlane';
import { DmsApi } from './dmsApi';
import { EmulatorContext } from './emulatorContext';
import { emulatorSettings } from './emulatorSettings';
import { tick } from './engine';
import { mergeBehaviour } from './behaviourSettings';
import { mergeFaults, noFaults } from './faultSettings';

/** The DMS emulator process: `tsx sandbox/dms-emulator/main.ts` (started by `npm run stack:up`). */

const TICK_MS = 100;
const FLUSH_MS = 250;

function main(): void {
  const settings = emulatorSettings();
  const ctx = EmulatorContext.open(settings);
  // The configured speed (DMS_EMULATOR_SPEED, else STACK_DMS_SPEED, else 60) applies at every start; admin changes last until then.
  ctx.clock.setSpeed(settings.speed);
  // Faults saved by an older emulator lack newer keys: parse them again so every key has its default.
  ctx.state.faults = mergeFaults(noFaults(), ctx.state.faults);
  if (settings.initialFaults) ctx.state.faults = mergeFaults(ctx.state.faults, JSON.parse(settings.initialFaults));
  ctx.state.behaviour = mergeBehaviour(ctx.behaviour(), {});
  if (process.env.DMS_EMULATOR_BEHAVIOUR)
    ctx.state.behaviour = mergeBehaviour(ctx.state.behaviour, JSON.parse(process.env.DMS_EMULATOR_BEHAVIOUR));
  if (process.env.DMS_EMULATOR_THROTTLING === '1') ctx.state.faults.throttling.enabled = true;
  if (process.env.DMS_EMULATOR_ERROR_RATE) ctx.state.faults.transientErrorRate = Number(process.env.DMS_EMULATOR_ERROR_RATE);
  ctx.changed();

  const api = new DmsApi(ctx);
  const admin = new AdminApi(ctx, api);
  const cdc = new CdcStreamer(ctx);
  const dataPlane = new DataPlane(ctx, cdc);
  const metrics = new MetricsPublisher(ctx);

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if ((request.url ?? '/').startsWith('/_admin')) {
        admin.handle(request, body, response);
        return;
      }
      void api.handle(request, body, response).finally(() => ctx.flush());
    });
  });

  const ticker = setInterval(() => {
    try {
      tick(ctx);
      dataPlane.kick();
    } catch (error) {
      console.error('[dms-emulator] tick failed:', error);
    }
  }, TICK_MS);
  const flusher = setInterval(() => ctx.flush(), FLUSH_MS);
  metrics.start();

  server.listen(settings.port, settings.host, () => {
    console.log(
      `[dms-emulator] listening on http://${settings.host}:${settings.port} (speed ${ctx.clock.speed}, state ${settings.stateFile})`,
    );
  });

  const shutdown = () => {
    clearInterval(ticker);
    clearInterval(flusher);
    metrics.stop();
    cdc.stop();
    ctx.flush();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
