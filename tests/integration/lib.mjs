// Helpers for the integration tests: real ssehub processes (tests/lib/
// server.sh), a real PostgreSQL (tests/lib/pg.sh), and an SSE client on a
// raw socket so every header and byte is under the test's control.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequestOrThrow, publishRequest } from '../lib/http.mjs';
import * as pg from '../lib/pg.mjs';
import { SseConnection } from '../lib/sse.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = path.join(ROOT, 'tests/lib/server.sh');
export const DB = process.env.SSEHUB_DB;
export const TOKEN = 'integration-token-1234';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts an instance; env overrides SSEHUB_* for it. Returns its ports.
export function startServer(name, http, https, env = {}) {
  execFileSync(SERVER, ['start', name, String(http), String(https)], {
    env: { ...process.env, SSEHUB_TOKEN: TOKEN, SSEHUB_TICK_MS: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { name, http, https };
}

export function stopServer(name) {
  execFileSync(SERVER, ['stop', name], { stdio: 'inherit' });
}

export function killServer(name) {
  execFileSync(SERVER, ['kill', name], { stdio: 'inherit' });
}

export function serverPid(name) {
  return Number(execFileSync(SERVER, ['pid', name]).toString().trim());
}

export const psql = (sql) => pg.psql(DB, sql);

// One psql process running a whole script (stdin), without blocking the
// event loop: streams keep reading meanwhile. Resolves with its output.
export const psqlScript = (sql) => pg.psqlScript(DB, sql);

// Kore directives for startServer's env (SSEHUB_KORE_EXTRA), e.g. workers(1).
export function workers(n) {
  return { SSEHUB_KORE_EXTRA: `workers ${n}` };
}

// /metrics: one value per worker of the series name.
export function metric(text, name) {
  return [...text.matchAll(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)`, 'gm'))]
    .map((m) => Number(m[1]));
}

export async function metrics(port) {
  return (await request(port, { path: '/metrics' })).body.toString();
}

// Streams on every worker of a server: Kore's accept lock stays with a
// worker until it hands it on (kore_worker_make_busy after each stream
// start), and the worker that let go often takes it back first. A burst
// of connections spreads: the other worker gets the lock while the first
// runs its handlers. Returns the streams, all open.
// Opens up to 500 streams from one address: the server needs
// SSEHUB_STREAMS_PER_IP above that, or ONE_ADDRESS_MANY_STREAMS.
export const ONE_ADDRESS_MANY_STREAMS = { SSEHUB_STREAMS_PER_IP: '0' };
export async function streamsOnEveryWorker(port, p, nworkers = 2) {
  const subs = [];
  let perWorker = [];
  // Kore's accept lock goes to whichever worker asks first: on a busy
  // machine one worker can win several bursts in a row, so the bursts
  // are spaced out, giving the other worker time to be scheduled.
  for (let round = 0; round < 10 && perWorker.filter((n) => n > 0).length < nworkers; round++) {
    if (round > 0) await sleep(100);
    const burst = Array.from({ length: 100 }, () => new Stream(port, { path: p }));
    for (const s of burst) await s.until((x) => x.retry !== null, 3000, 'open');
    subs.push(...burst);
    perWorker = metric(await metrics(port), 'ssehub_subscribers');
  }
  if (perWorker.filter((n) => n > 0).length < nworkers) {
    for (const s of subs) s.close();
    throw new Error(`streams did not spread over ${nworkers} workers: ${perWorker}`);
  }
  return subs;
}

// Resolves like promise, or rejects after ms (a request that hangs).
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

// p50/p99/max (ms) of a list of latencies.
export function percentiles(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] };
}

// Fault injection (tests/integration/fault_shim.c, built by run.sh): the
// path of the shim for SSEHUB_PRELOAD, and the control file it reads.
export const FAULT_SHIM = process.env.ITEST_FAULT_SHIM;

// The next n calls of libpq's PQsendQuery/PQsendQueryParams (in any
// process preloading the shim with SSEHUB_FAULT_FILE=file) return 0.
export function injectFaults(file, n) {
  fs.writeFileSync(file, `${n}\n`);
}

export function faultsLeft(file) {
  return Number(fs.readFileSync(file, 'utf8').trim() || 0);
}

export function storedIds(after = 0, topic = null) {
  const where = topic ? ` AND topic = '${topic}'` : '';
  const out = psql(`SELECT id FROM ssehub.events WHERE id > ${after}${where} ORDER BY id`);
  return out === '' ? [] : out.split('\n').map(Number);
}

export function headId() {
  return Number(psql('SELECT ssehub.last_id()'));
}

// One HTTP request on a fresh connection; resolves {status, headers,
// body (Buffer)}, rejects if the connection fails or closes unanswered.
export function request(port, { method = 'GET', path: p = '/', headers = {}, body = null, secure = false } = {}) {
  return httpRequestOrThrow(port, { method, path: p, headers, body, secure, timeoutMs: 0 })
    .then((r) => ({ status: r.status, headers: r.headers, body: r.body }));
}

// POST /publish with the suite's token; request's answer and its json.
export function publish(port, events, headers = {}) {
  return httpRequestOrThrow(port, { ...publishRequest(events, TOKEN, headers), timeoutMs: 0 })
    .then((r) => ({ status: r.status, headers: r.headers, body: r.body, json: r.json }));
}

// An SSE subscriber (tests/lib/sse.mjs: a raw socket, the dashboard's
// parser, WHATWG rules: lines end at CR, LF or CRLF, data lines joined
// with LF) that keeps what it got for the test: events, comments counted,
// the last retry, the body as text (raw); until() waits on any of it.
//
// rate: read about that many events per second (the socket is paused
// whenever the client is ahead), as a slow client would.
export class Stream {
  constructor(port, { path: p = '/stream', headers = {}, secure = false, version = '1.1', read = true, rate = 0 } = {}) {
    this.events = [];
    this.comments = 0;
    this.retry = null;
    this.status = null;
    this.headers = null;
    this.closed = false;
    this.raw = '';
    this.waiters = [];
    this.sock = new SseConnection(port, p, headers, {
      secure,
      version,
      read,
      opened: (status, h) => {
        this.status = status;
        this.headers = h;
      },
      event: (e) => this.events.push({ id: e.id, topic: e.topic, event: e.type, data: e.data }),
      comment: () => { this.comments++; },
      retry: (ms) => { this.retry = ms; },
      text: (t) => {
        this.raw += t;
        this.wake();
      },
      closed: () => {
        this.closed = true;
        this.wake();
      },
    }).sock;
    if (read && rate > 0) this.pace(rate);
  }

  pace(rate) {
    const t0 = Date.now();
    this.sock.on('data', () => {
      const ahead = this.events.length / rate * 1000 - (Date.now() - t0);
      if (ahead > 0 && !this.sock.isPaused()) {
        this.sock.pause();
        setTimeout(() => this.sock.resume(), ahead);
      }
    });
  }

  ids() {
    return this.events.filter((e) => e.event !== 'reset').map((e) => Number(e.id));
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  // Resolves when pred(this) holds; rejects after ms.
  until(pred, ms = 5000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this)) {
          clearTimeout(timer);
          resolve(this);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        reject(new Error(`timeout waiting for ${what}; events=${JSON.stringify(this.events.slice(-5))} closed=${this.closed}`));
      }, ms);
      const loop = () => {
        if (!check()) this.waiters.push(loop);
      };
      loop();
    });
  }

  close() {
    this.sock.destroy();
  }
}

// Ids must be strictly increasing with no repeat.
export function assertIncreasing(assert, ids, label = '') {
  for (let i = 1; i < ids.length; i++) {
    assert.ok(ids[i] > ids[i - 1], `${label} ids not increasing at ${i}: ${ids[i - 1]} then ${ids[i]}`);
  }
}

// A long-lived psql session fed through stdin, for transactions held open
// across test steps. sync() resolves once everything sent so far has run.
export class PsqlSession extends pg.PsqlSession {
  constructor() {
    super(DB);
  }
}

// ---- Dead peers, killed workers, stress and soak (issue 12) ----

// The pids of an instance's workers ("kore [wrk N]"), by worker number:
// children of the parent, so a respawned worker shows its new pid.
export function workerPids(name) {
  const parent = serverPid(name);
  const pids = {};
  let kids = '';
  try {
    kids = fs.readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8');
  } catch {
    return pids;
  }
  for (const p of kids.trim().split(/\s+/).filter(Boolean).map(Number)) {
    try {
      const m = /\[wrk (\d+)\]/.exec(fs.readFileSync(`/proc/${p}/cmdline`, 'utf8'));
      if (m) pids[m[1]] = p;
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

// VmRSS (KiB) and open fds of one process; zeros once it is gone.
export function procUsage(pid) {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return { rssKb, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return { rssKb: 0, fds: 0 };
  }
}

// Per worker number: { pid, rssKb, fds }.
export function workerUsage(name) {
  const out = {};
  for (const [w, pid] of Object.entries(workerPids(name))) out[w] = { pid, ...procUsage(pid) };
  return out;
}

export const sum = (xs) => xs.reduce((a, b) => a + b, 0);

// A Stream whose socket is bound to localAddress (e.g. 127.0.0.7) first:
// per-address limits seen from several clients. Stream connects in its
// constructor through net.connect; the bind is added to that one call.
export function streamFrom(localAddress, port, opts = {}) {
  const connect = net.connect;
  net.connect = (o, ...rest) => connect({ ...o, localAddress }, ...rest);
  try {
    return new Stream(port, opts);
  } finally {
    net.connect = connect;
  }
}

// Every packet on lo dropped, as if the peer vanished: netem loss 100%,
// or where the kernel has no netem (some VM kernels), a token bucket
// smaller than any packet, which drops each one just as silently.
// Only ever inside a network namespace of the test's own.
const LO_DROP = 'tc qdisc add dev lo root netem loss 100% 2>/dev/null || '
  + 'tc qdisc add dev lo root tbf rate 1kbit burst 10 limit 1';

export function loDrop(on) {
  execFileSync('sh', ['-c', on ? LO_DROP : 'tc qdisc del dev lo root'], { stdio: 'pipe' });
}

// Why this process cannot make network namespaces that drop packets on
// lo (root, unshare, ip, tc), or null if it can.
export function netnsUnavailable() {
  if (process.getuid() !== 0) return 'needs root (unshare --net, tc qdisc)';
  try {
    execFileSync('unshare', ['--net', 'sh', '-c',
      `ip link set lo up && { ${LO_DROP}; } && tc qdisc del dev lo root`], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `no network namespace with a dropping qdisc here: ${String(e.stderr || e.message).trim()}`;
  }
}

// Runs `node script` in a network namespace of its own (unshare --net
// --ipc: its own lo, down until the script brings it up), env added;
// its stderr passes through. Resolves with { code, stdout }.
export function nodeInNetns(script, env = {}, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', ['--net', '--ipc', process.execPath, script], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d) => { stdout += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

// The load tool (tests/bench/ssebench.c; tests/stress/run.sh builds it).
export const SSEBENCH = path.join(ROOT, 'tests/bench/build/ssebench');

// Starts `ssebench mode ...args`; done resolves with its JSON line (or
// null), stop() ends it early (SIGTERM: it still reports). With a
// readyFile, ready() resolves once every connection settled.
export function ssebench(mode, args) {
  const i = args.indexOf('--ready-file');
  const readyFile = i >= 0 ? args[i + 1] : null;
  if (readyFile) fs.rmSync(readyFile, { force: true }); // a previous run's
  const p = spawn(SSEBENCH, [mode, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  // Its diagnostics, but not the routine "all processes settled".
  p.stderr.on('data', (d) => {
    const lines = d.toString().split('\n').filter((l) => l && !/settled after/.test(l));
    if (lines.length) process.stderr.write(`${lines.join('\n')}\n`);
  });
  const done = new Promise((resolve) => p.on('close', () => {
    try {
      resolve(JSON.parse(out.trim().split('\n').pop()));
    } catch {
      resolve(null);
    }
  }));
  return {
    done,
    stop() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
      return done;
    },
    async ready(ms) {
      const t0 = Date.now();
      while (!fs.existsSync(readyFile)) {
        if (p.exitCode !== null || Date.now() - t0 > ms) throw new Error(`ssebench ${mode}: not ready in ${ms} ms`);
        await sleep(100);
      }
      return Date.now() - t0;
    },
  };
}

// Live delivery latency to an ordinary subscriber: subs streams on topic,
// ssebench publishing rate events/s for seconds. Resolves the sub's JSON.
export async function liveLatency(port, { topic = 'live', subs = 20, rate = 20, seconds = 15, dir }) {
  const ready = path.join(dir, `live-${topic}-${Date.now()}.ready`);
  const sub = ssebench('sub', ['--port', String(port), '--path', `/stream?topic=${topic}`,
    '--conns', String(subs), '--duration', String(seconds + 5), '--ready-file', ready]);
  await sub.ready(20000);
  const pub = ssebench('pub', ['--target', 'ssehub', '--port', String(port), '--rate', String(rate),
    '--duration', String(seconds), '--token', TOKEN, '--topic', topic]);
  const p = await pub.done;
  await sleep(1000);
  const s = await sub.stop();
  return { ...s, published: p ? p.acked : 0 };
}
