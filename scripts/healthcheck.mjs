// The container's HEALTHCHECK: GET /health on this process's own port, exit 0 when it says ok.
// The api and all roles answer on PORT, the worker role on WORKER_PORT; the first that answers
// decides. Plain Node: the slim image has no curl or wget.
const ports = [process.env.PORT ?? '3000', process.env.WORKER_PORT ?? '3001'];
for (const port of ports) {
  let res;
  try {
    res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  } catch {
    continue; // nothing listens there: the other role's port
  }
  const body = await res.json().catch(() => ({}));
  process.exit(res.ok && body.status === 'ok' ? 0 : 1);
}
process.exit(1);
