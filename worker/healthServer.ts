import http from 'node:http';
import type { Worker } from '@temporalio/worker';

/**
 * `GET /healthz`: 200 when the worker runs and both pollers poll the task queue, 503 otherwise, with the states.
 * For load balancers, Kubernetes probes, or `curl` from an operator's shell.
 */
export function startHealthServer(worker: Worker, address: string): http.Server {
  const [host, port] = address.includes(':')
    ? [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
    : ['127.0.0.1', Number(address)];
  const server = http.createServer((req, res) => {
    if (req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const status = worker.getStatus();
    const healthy = status.runState === 'RUNNING' && status.workflowPollerState === 'POLLING' && status.activityPollerState === 'POLLING';
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        healthy,
        taskQueue: worker.options.taskQueue,
        namespace: worker.options.namespace,
        runState: status.runState,
        workflowPollerState: status.workflowPollerState,
        activityPollerState: status.activityPollerState,
      }),
    );
  });
  server.listen(port, host);
  return server;
}
