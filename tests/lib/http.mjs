// HTTP/1.1 written by hand on a fresh connection per request, so that
// every header and byte is under the test's control. Shared by the
// suites (integration, chaos, failover, prod; h2 and browser take the
// publish request's parts).

import net from 'node:net';
import tls from 'node:tls';

// A client socket to 127.0.0.1:port, over TLS (any certificate) if secure.
// Through net.connect as a property, so that a test may wrap it
// (tests/integration/lib.mjs streamFrom binds the local address).
export function connect(port, secure = false) {
  return secure
    ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: '' })
    : net.connect({ host: '127.0.0.1', port });
}

// The head of a request that asks the server to close after its answer.
export function requestHead(method, p, headers = {}, length = null) {
  let head = `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (length !== null) head += `Content-Length: ${length}\r\n`;
  return `${head}\r\n`;
}

// {status, headers (names in lower case), body (the bytes after the
// head)} of a response, or null while its head is incomplete.
export function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString().split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(lines[0].split(' ')[1]), headers, body: buf.subarray(end + 4) };
}

export function jsonOrNull(text) {
  try {
    return JSON.parse(text.toString());
  } catch {
    return null;
  }
}

// Writes parts (strings or Buffers, sent as they are: any bytes, any
// head) on a fresh connection and collects what comes back until the
// server closes, waitMs passes (0: no time limit) or until(raw) says
// what came is enough (the connection is then dropped). Never rejects:
// {raw (Buffer), closed (false: waitMs or until first), ms (from the call),
// connected, error (the socket's error code, or null) and its cause,
// protocol (TLS version, secure only)}.
export function exchange(port, parts, { secure = false, waitMs = 3000, until = null } = {}) {
  return new Promise((resolve) => {
    const sock = connect(port, secure);
    const t0 = Date.now();
    const chunks = [];
    const r = { connected: false, error: null, cause: null, protocol: null };
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, raw: Buffer.concat(chunks), closed, ms: Date.now() - t0 });
    };
    const timer = waitMs > 0 ? setTimeout(() => finish(false), waitMs) : null;
    sock.on('connect', () => { r.connected = true; });
    sock.on('secureConnect', () => {
      r.connected = true;
      r.protocol = sock.getProtocol();
    });
    sock.on('data', (c) => {
      chunks.push(c);
      if (until !== null && until(Buffer.concat(chunks))) finish(false);
    });
    sock.on('error', (e) => {
      r.error = e.code ?? String(e);
      r.cause = e;
    });
    sock.on('close', () => finish(true));
    for (const part of [].concat(parts)) sock.write(part);
  });
}

// One request on a fresh connection, for a server that may vanish at any
// moment; never rejects. Resolves once the server closes with
// {status, headers, body (Buffer), text, json (or null), protocol (TLS
// version, secure only)}, or with {error, sent, cause}: sent is false
// only when the connection was refused, i.e. the request certainly never
// reached the server. timeoutMs 0: no time limit.
export async function httpRequest(port, { method = 'GET', path: p = '/', headers = {}, body = null, secure = false, timeoutMs = 3000 } = {}) {
  const data = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = requestHead(method, p, headers, data ? data.length : null);
  const x = await exchange(port, data ? [head, data] : [head], { secure, waitMs: timeoutMs });
  if (x.error) return { error: x.error, sent: x.connected || x.error !== 'ECONNREFUSED', cause: x.cause };
  if (!x.closed) return { error: 'timeout', sent: x.connected };
  const r = parseResponse(x.raw);
  if (!r) return { error: 'closed without answer', sent: x.connected };
  return { ...r, text: r.body.toString(), json: jsonOrNull(r.body), protocol: x.protocol };
}

// httpRequest's answer, or a rejection where it has {error}.
export async function httpRequestOrThrow(port, opts) {
  const r = await httpRequest(port, opts);
  if (r.error) {
    throw r.cause ?? new Error(`${opts.method ?? 'GET'} ${opts.path ?? '/'} on port ${port}: ${r.error}`);
  }
  return r;
}

// The parts of POST /publish (events: one object or an array) with a
// bearer token, for any client: {method, path, headers, body}.
export function publishRequest(events, token, headers = {}) {
  return {
    method: 'POST',
    path: '/publish',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(events),
  };
}

// POST /publish on a fresh connection: httpRequest's answer.
export function publish(port, events, { token, headers = {}, secure = false, timeoutMs = 3000 } = {}) {
  return httpRequest(port, { ...publishRequest(events, token, headers), secure, timeoutMs });
}
