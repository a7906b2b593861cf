// Helpers for the HTTP/2 front tests (tests/h2/run.sh starts PostgreSQL,
// one ssehub and the nginx fronts; these only talk to them).

import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { jsonOrNull, publishRequest } from '../lib/http.mjs';

export const FRONT = Number(process.env.H2_FRONT_PORT || 19203);
export const FRONT_DEFAULT = Number(process.env.H2_FRONT_DEFAULT_PORT || 19204);
export const PLAIN = Number(process.env.H2_PLAIN_PORT || 19201);
export const TOKEN = process.env.SSEHUB_TOKEN || 'h2-test-token-1234';
export const HEARTBEAT_MS = Number(process.env.SSEHUB_HEARTBEAT_MS || 64000);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One request over a fresh HTTP/2 connection (node:http2, so the front
// must speak h2 or this fails). Resolves {status, headers, body}.
export function h2request(port, { method = 'GET', path = '/', headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({ ':method': method, ':path': path, ...headers });
    const chunks = [];
    let head = null;
    req.on('response', (h) => { head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('error', (e) => { session.close(); reject(e); });
    req.on('end', () => {
      session.close();
      resolve({ status: head[':status'], headers: head, body: Buffer.concat(chunks), alpn: session.alpnProtocol });
    });
    if (body !== null) req.end(body);
    else req.end();
  });
}

// POST /publish over HTTP/2 (node:http2 sends header names in lower case).
export async function publish(port, events, token = TOKEN) {
  const r = await h2request(port, publishRequest(events, token));
  return { ...r, json: jsonOrNull(r.body) };
}

// `curl --http2 -N` (or `http: '--http1.1'`) on an event stream. Every stdout chunk is kept with
// its arrival time; SSE blocks (frames and comments) are parsed as they
// complete. After exit: code, http_version (from -w), elapsed.
export class CurlStream {
  constructor(url, { headers = {}, maxTime = 30, http = '--http2' } = {}) {
    const args = [http, '-k', '-sS', '-N', '--max-time', String(maxTime),
      '-w', '\n@@http_version=%{http_version}\n'];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    args.push(url);
    this.started = Date.now();
    this.chunks = [];   // {t, text}
    this.blocks = [];   // {t, kind: 'frame'|'comment'|'retry', id, event, data, text}
    this.pending = '';
    this.exit = null;
    this.stderr = '';
    this.waiters = [];
    this.proc = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (text) => this.onData(text));
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    // 'close': after exit and after stdout (with the -w line) is drained.
    this.proc.on('close', (code) => {
      const m = /@@http_version=(\S+)/.exec(this.chunks.map((c) => c.text).join('').slice(-200));
      this.exit = { code, t: Date.now(), httpVersion: m ? m[1] : null };
      this.wake();
    });
  }

  onData(text) {
    const t = Date.now();
    this.chunks.push({ t, text });
    this.pending += text;
    let i;
    while ((i = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, i);
      this.pending = this.pending.slice(i + 2);
      this.block(block, t);
    }
    this.wake();
  }

  block(text, t) {
    const b = { t, text, kind: 'frame', id: null, event: 'message', data: [] };
    const lines = text.split('\n');
    if (lines.every((l) => l.startsWith(':'))) b.kind = 'comment';
    else if (lines.every((l) => l.startsWith('retry:'))) b.kind = 'retry';
    for (const l of lines) {
      const k = l.indexOf(':');
      const f = l.slice(0, k);
      const v = l.slice(k + 1).replace(/^ /, '');
      if (f === 'id') b.id = v;
      else if (f === 'event') b.event = v;
      else if (f === 'data') b.data.push(v);
    }
    b.data = b.data.join('\n');
    this.blocks.push(b);
  }

  frames() { return this.blocks.filter((b) => b.kind === 'frame'); }
  heartbeats() { return this.blocks.filter((b) => b.kind === 'comment'); }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  until(pred, ms, what) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timeout (${ms} ms) waiting for ${what}; exit=${JSON.stringify(this.exit)} ` +
          `stderr=${this.stderr.trim()} last=${JSON.stringify(this.blocks.slice(-3))}`));
      }, ms);
      const loop = () => {
        if (pred(this)) { clearTimeout(timer); resolve(this); } else this.waiters.push(loop);
      };
      loop();
    });
  }

  exited(ms) { return this.until((s) => s.exit !== null, ms, 'curl to exit'); }

  close() { if (this.exit === null) this.proc.kill('SIGTERM'); }
}
