// HTTP to the chaos run's server, which may vanish at any moment:
// requests never reject (tests/lib/http.mjs httpRequest).

import { httpRequest as request, publish } from '../lib/http.mjs';

export const HTTP_PORT = 18950;
export const HTTPS_PORT = 18951;
export const TOKEN = 'chaos-token-0123456789';

// {status, json, text} or {error, sent}: sent=false only when the
// connection was refused, i.e. the request certainly never reached the
// server.
export function httpRequest(method, p, headers, body, timeoutMs = 3000) {
  return request(HTTP_PORT, { method, path: p, headers, body, timeoutMs });
}

export function publishOnce(body, key) {
  return publish(HTTP_PORT, body, { token: TOKEN, headers: { 'Idempotency-Key': key } });
}

// Sum of a counter over every worker's series in /metrics, or null.
export async function metric(name) {
  const r = await httpRequest('GET', '/metrics', {}, null, 2000);
  if (r.status !== 200) return null;
  return [...r.text.matchAll(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)`, 'gm'))]
    .reduce((a, m) => a + Number(m[1]), 0);
}
