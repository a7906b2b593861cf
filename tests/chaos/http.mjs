// One HTTP request on a fresh connection, for a server that may vanish at
// any moment. Resolves {status, json, text} or {error, sent}: sent=false
// only when the connection was refused, i.e. the request certainly never
// reached the server. Never rejects.

import net from 'node:net';

export const HTTP_PORT = 18950;
export const HTTPS_PORT = 18951;
export const TOKEN = 'chaos-token-0123456789';

export function httpRequest(method, p, headers, body, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: HTTP_PORT });
    const chunks = [];
    let done = false;
    let connected = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ error: 'timeout', sent: connected }), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      const data = body === null ? null : Buffer.from(body);
      let head = `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      if (data) head += `Content-Length: ${data.length}\r\n`;
      sock.write(head + '\r\n');
      if (data) sock.write(data);
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => finish({ error: e.code ?? String(e), sent: connected || e.code !== 'ECONNREFUSED' }));
    sock.on('close', () => {
      const buf = Buffer.concat(chunks);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return finish({ error: 'closed without answer', sent: connected });
      const status = Number(buf.subarray(0, end).toString().split(' ')[1]);
      const text = buf.subarray(end + 4).toString();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return finish({ status, json, text });
    });
  });
}

export function publishOnce(body, key) {
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Idempotency-Key': key };
  return httpRequest('POST', '/publish', headers, JSON.stringify(body));
}

// Sum of a counter over every worker's series in /metrics, or null.
export async function metric(name) {
  const r = await httpRequest('GET', '/metrics', {}, null, 2000);
  if (r.status !== 200) return null;
  return [...r.text.matchAll(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)`, 'gm'))]
    .reduce((a, m) => a + Number(m[1]), 0);
}
