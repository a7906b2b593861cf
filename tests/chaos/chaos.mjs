// Chaos run: steady publishers and reconnecting subscribers while the
// server is SIGKILLed and restarted, single Kore workers are killed,
// PostgreSQL is restarted and a subscriber stalls. Then it proves:
//   - every acknowledged id is in ssehub.events with its publisher+seq;
//   - every subscriber received exactly the stored events of its topics
//     after its start cursor, each once, in id order (so every
//     acknowledged event exactly once); no id twice, none decreasing;
//   - ssehub recovered from each fault by itself, and how fast.
// Exit status 1 on any violation. Run by tests/chaos/run.sh, which starts
// the PostgreSQL cluster and sets SSEHUB_DB and SSEHUB_TEST_VAR.
//
// Environment: CHAOS_SECONDS (60), CHAOS_PUBLISHERS (4), CHAOS_RATE
// (events/s per publisher, 50), CHAOS_SUBSCRIBERS (6), CHAOS_IDEMPOTENCY
// (auto|off: off never sends Idempotency-Key), CHAOS_STALL_BULK (150 big
// events only the stalled subscriber receives; 0 = none), CHAOS_SEED.

import net from 'node:net';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SseParser } from '../../assets/sse-parser.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = path.join(ROOT, 'tests/lib/server.sh');
const PG = path.join(ROOT, 'tests/lib/pg.sh');
const PG_VAR = process.env.CHAOS_PG_VAR ?? path.join(ROOT, 'var/chaos');
const PG_PORT = process.env.CHAOS_PG_PORT ?? '18632';
const DB = process.env.SSEHUB_DB;
const NAME = 'chaos';
const HTTP = 18950;
const HTTPS = 18951;
const TOKEN = 'chaos-token-0123456789';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 60);
const PUBLISHERS = Number(process.env.CHAOS_PUBLISHERS ?? 4);
const RATE = Number(process.env.CHAOS_RATE ?? 50);
const SUBSCRIBERS = Number(process.env.CHAOS_SUBSCRIBERS ?? 6);
const IDEM = process.env.CHAOS_IDEMPOTENCY ?? 'auto';
const HEARTBEAT_MS = 1000;
const QUEUE_CAP = 65536;        // small, so the stalled subscriber is cut off
const RING = 512;               // small, so catch-ups page through PostgreSQL
const PUBLISH_TIMEOUT_MS = 3000;
const RECOVERY_LIMIT_MS = 15000; // a fault not recovered from by then is a violation
const SERVER_DOWN_MS = 1000;
const PG_DOWN_MS = 1500;
const STALL_MS = 6000;
const BULK_TOPIC = 'chaos-bulk';   // only the unfiltered subscriber gets it
const BULK_COUNT = Number(process.env.CHAOS_STALL_BULK ?? 150);  // 0: a plain stall
const bulkRuns = [];
const TOPICS = ['chaos-a', 'chaos-b', 'chaos-c'];
const SUB_TOPICS = [['chaos-a'], ['chaos-b'], ['chaos-a', 'chaos-b'], ['chaos-c'], TOPICS, null];
const PAD = 'x'.repeat(1000);   // ~1.1 kB frames: a stall fills the socket buffers

let seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100000);
const SEED = seed;
function rnd() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

const T0 = Date.now();
const now = () => Date.now() - T0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${(now() / 1000).toFixed(1).padStart(5)}s]`, ...a);
const violations = [];
function violation(msg) {
  if (violations.length < 200) log('VIOLATION:', msg);
  violations.push(msg);
}

function psql(sql) {
  return execFileSync('psql', [DB, '-qtAXc', sql], { maxBuffer: 1 << 28 }).toString().trim();
}

// ---------------------------------------------------------------- HTTP

// One request on a fresh connection. Resolves {status, json} or
// {error, sent}: sent=false only when the connection was refused, i.e.
// the request certainly never reached the server.
function httpRequest(method, p, headers, body, timeoutMs = PUBLISH_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: HTTP });
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
      finish({ status, json, text });
    });
  });
}

function publishOnce(event, key) {
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  return httpRequest('POST', '/publish', headers, JSON.stringify(event));
}

// ---------------------------------------------------------------- server, faults

function serverEnv() {
  return {
    ...process.env,
    SSEHUB_TOKEN: TOKEN,
    SSEHUB_TICK_MS: '0',
    SSEHUB_HEARTBEAT_MS: String(HEARTBEAT_MS),
    SSEHUB_QUEUE_CAP: String(QUEUE_CAP),
    SSEHUB_RING: String(RING),
  };
}

// The build folder is shared: a start can fail while someone rebuilds
// ssehub.so. Retried a few times; each retry is reported.
let startRetries = 0;
async function startServer() {
  for (let i = 0; ; i++) {
    try {
      return await run(SERVER, ['start', NAME, String(HTTP), String(HTTPS)], { env: serverEnv() });
    } catch (e) {
      const why = String(e.stderr ?? e).trim().split('\n').pop();
      if (i === 4) throw e;
      startRetries++;
      log(`server start failed (${why}); retrying`);
      await run(SERVER, ['kill', NAME]).catch(() => {});
      await sleep(2000);
    }
  }
}
const killServer = () => run(SERVER, ['kill', NAME]);
const stopServer = () => run(SERVER, ['stop', NAME]);
const serverPid = () => Number(readFileSync(path.join(process.env.SSEHUB_TEST_VAR, NAME, 'pid'), 'utf8').trim());

async function workerPids() {
  try {
    const { stdout } = await run('pgrep', ['-P', String(serverPid()), '-f', 'kore \\[wrk']);
    return stdout.trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const faults = [];

// Each fault records t (the component is gone: recovery is measured from
// here) and back (it was restarted, or respawned by Kore).
async function faultServer() {
  log('fault: SIGKILL the whole server');
  // server.sh sends SIGKILL to the group first, then waits until every
  // process is gone: the fault starts when it is called.
  const f = { kind: 'server-kill', t: now() };
  faults.push(f);
  await killServer();
  const dead = now();
  f.gone = dead;
  await sleep(SERVER_DOWN_MS);
  const t1 = now();
  await startServer();
  f.back = now();
  f.detail = `kill took ${dead - f.t} ms, down ${f.back - f.t} ms in all, start took ${f.back - t1} ms`;
  log(`  server restarted (${f.detail})`);
}

async function faultWorker() {
  const before = await workerPids();
  if (before.length === 0) {
    violation('no Kore worker found to kill');
    return;
  }
  const victim = before[Math.floor(rnd() * before.length)];
  log(`fault: SIGKILL worker pid ${victim} of [${before}]`);
  process.kill(victim, 'SIGKILL');
  const f = { kind: 'worker-kill', t: now() };
  faults.push(f);
  // Kore's parent respawns it.
  for (let i = 0; i < 100; i++) {
    const pids = await workerPids();
    if (pids.length === before.length && !pids.includes(victim)) {
      f.back = now();
      f.respawnMs = f.back - f.t;
      break;
    }
    await sleep(50);
  }
  f.detail = f.respawnMs === undefined ? 'NOT respawned within 5 s' : `respawned in ${f.respawnMs} ms`;
  if (f.respawnMs === undefined) violation(`worker ${victim} not respawned by Kore within 5 s`);
  log(`  ${f.detail}`);
}

async function faultPostgres() {
  log('fault: stop PostgreSQL (fast shutdown)');
  const t = now();
  await run(PG, ['stop', PG_VAR]);
  const f = { kind: 'pg-restart', t: now() };
  faults.push(f);
  await sleep(PG_DOWN_MS);
  const t1 = now();
  await run(PG, ['start', PG_VAR, PG_PORT]);
  f.back = now();
  f.detail = `stop took ${f.t - t} ms, down ${t1 - f.t} ms, start took ${f.back - t1} ms`;
  log(`  PostgreSQL started again (${f.detail})`);
}

async function faultStall() {
  const sub = subs.find((x) => !x.topics) ?? subs[subs.length - 1];
  const f = { kind: 'stall', t: now(), back: now() + STALL_MS, sub: sub.index };
  faults.push(f);
  log(`fault: subscriber ${sub.index} stops reading for ${STALL_MS} ms; meanwhile ${BULK_COUNT} events of 50 kB on ${BULK_TOPIC}`);
  sub.stall(STALL_MS);
  // Big events only it receives: enough to fill the loopback socket
  // buffers and then the server's queue cap, so it is cut off and must
  // resume with Last-Event-ID.
  if (BULK_COUNT === 0) return;
  const bulk = new Publisher(publishers.length, { topic: BULK_TOPIC, pad: 'b'.repeat(50000), rate: BULK_COUNT / (STALL_MS / 2000), count: BULK_COUNT });
  publishers.push(bulk);
  bulkRuns.push(bulk.run());
}

// ---------------------------------------------------------------- publishers

const acked = new Map();         // id -> {p, s, topic}
const stats = {
  attempts: 0, acked: 0, refused: 0, ambiguous: 0, failed503: 0, other: 0,
  retriedAfterAmbiguous: 0, idempotentRepeats: 0, byError: {},
};
const ackLog = [];
const latencies = [];               // [startTime, ackTime, id] per successful attempt
let mode = 'none';
let publishing = true;

class Publisher {
  constructor(index, { topic = null, pad = PAD, rate = RATE, count = Infinity } = {}) {
    this.index = index;
    this.seq = 0;
    this.ambiguousSeqs = new Set();
    this.topic = topic;
    this.pad = pad;
    this.rate = rate;
    this.count = count;
  }

  async run() {
    const period = 1000 / this.rate;
    let next = now();
    while (publishing && this.seq < this.count) {
      next += period;
      await this.publishSeq(this.seq++);
      const wait = next - now();
      if (wait > 0) await sleep(wait);
      else next = now();    // fell behind (an outage): no burst afterwards
    }
  }

  // One seq until it is acknowledged; retries after every failure.
  async publishSeq(s) {
    const topic = this.topic ?? TOPICS[(this.index + s) % TOPICS.length];
    const event = { topic, event: 'chaos', data: { p: this.index, s, t: topic, pad: this.pad } };
    const key = mode === 'idempotent' ? `chaos-${SEED}-${T0}-p${this.index}-s${s}` : null;
    let tries = 0;
    for (;;) {
      const start = now();
      stats.attempts++;
      tries++;
      const r = await publishOnce(event, key);
      if (r.status === 201 && r.json && typeof r.json.id === 'number') {
        stats.acked++;
        if (tries > 1) stats.idempotentRepeats += key ? 1 : 0;
        const prev = acked.get(r.json.id);
        if (prev && (prev.p !== this.index || prev.s !== s)) {
          violation(`id ${r.json.id} acknowledged for p${prev.p}/s${prev.s} and p${this.index}/s${s}`);
        }
        acked.set(r.json.id, { p: this.index, s, topic });
        ackLog.push([start, now(), r.json.id]);
        latencies.push(now() - start);
        return;
      }
      const kind = r.status ? `HTTP ${r.status}` : r.error;
      stats.byError[kind] = (stats.byError[kind] ?? 0) + 1;
      if (r.status && r.status !== 503) {
        // 4xx or unexpected: the body is valid, so this is a server fault.
        violation(`publish p${this.index}/s${s}: unexpected ${r.status} ${JSON.stringify(r.json)}`);
        stats.other++;
      } else if (!r.status && !r.sent) {
        stats.refused++;     // connection refused: certainly not stored
      } else {
        // 503 (the commit may or may not have happened when the database
        // went away), reset, timeout, or closed without an answer.
        if (r.status === 503) stats.failed503++;
        stats.ambiguous++;
        this.ambiguousSeqs.add(s);
      }
      if (tries > 1 && this.ambiguousSeqs.has(s)) stats.retriedAfterAmbiguous++;
      if (!publishing && tries > 200) {
        violation(`publish p${this.index}/s${s} never acknowledged`);
        return;
      }
      await sleep(100);
    }
  }
}

// ---------------------------------------------------------------- subscribers

class Subscriber {
  constructor(index, topics, cursor) {
    this.index = index;
    this.topics = topics;
    this.cursor = cursor;      // last id received
    this.start = cursor;
    this.received = [];        // [id, time]
    this.connects = 0;
    this.opened = 0;           // streams answered 200
    this.ends = 0;
    this.endTimes = [];
    this.watchdog = 0;
    this.stalledUntil = 0;
    this.stalls = 0;
    this.stopped = false;
    this.connect();
  }

  label() {
    return `sub${this.index}[${this.topics ? this.topics.join(',') : 'all'}]`;
  }

  connect() {
    if (this.stopped) return;
    this.connects++;
    const q = (this.topics ?? []).map((t) => `topic=${t}`);
    q.push(`last_event_id=${this.cursor}`);
    const sock = net.connect({ host: '127.0.0.1', port: HTTP });
    this.sock = sock;
    this.head = Buffer.alloc(0);
    this.status = null;
    this.parser = new SseParser({
      event: (e) => this.event(e),
      comment: () => {},
      retry: () => {},
    });
    this.lastByte = now();
    this.connCursor = this.cursor;
    this.connEvents = 0;
    this.connAt = now();
    this.trace = [];
    sock.on('connect', () => {
      sock.write(`GET /stream?${q.join('&')} HTTP/1.1\r\nHost: 127.0.0.1\r\n`
        + `Accept: text/event-stream\r\nLast-Event-ID: ${this.cursor}\r\n\r\n`);
    });
    sock.on('data', (c) => this.onData(c));
    sock.on('error', () => {});
    sock.on('close', () => {
      if (this.sock !== sock) return;
      this.ends++;
      if (this.status === 200) this.endTimes.push(now());
      this.sock = null;
      if (!this.stopped) setTimeout(() => this.connect(), 100 + Math.floor(rnd() * 200));
    });
    if (this.stalledUntil > now()) sock.pause();
  }

  onData(chunk) {
    this.lastByte = now();
    if (this.status === null) {
      this.head = Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = Number(this.head.subarray(0, end).toString().split(' ')[1]);
      if (this.status !== 200) {
        violation(`${this.label()}: /stream answered ${this.status}`);
        this.sock.destroy();
        return;
      }
      this.opened++;
      chunk = this.head.subarray(end + 4);
    }
    this.parser.push(chunk.toString('utf8'));
  }

  event(f) {
    if (f.type === 'reset') {
      violation(`${this.label()}: reset frame (id ${f.id}, data ${f.data}) with cursor ${this.cursor}`);
      return;
    }
    const id = Number(f.id);
    if (!Number.isSafeInteger(id)) {
      violation(`${this.label()}: event without a numeric id: ${JSON.stringify(f)}`);
      return;
    }
    this.connEvents++;
    this.trace.push(`${id}@+${now() - this.connAt}`);
    if (id <= this.cursor) {
      violation(`${this.label()}: id ${id} after ${this.cursor} (${id === this.cursor ? 'duplicate' : 'decreasing'}); `
        + `event ${this.connEvents} of stream ${this.opened} opened at ${this.connAt} ms with cursor ${this.connCursor}; `
        + `ids on this stream (ms after connect): ${this.trace.slice(0, 20).join(' ')}`);
      return;
    }
    let d;
    try { d = JSON.parse(f.data); } catch { d = null; }
    if (!d || (this.topics && !this.topics.includes(d.t))) {
      violation(`${this.label()}: id ${id} is not of its topics: ${f.data.slice(0, 80)}`);
    }
    this.cursor = id;
    this.received.push([id, now()]);
  }

  stall(ms) {
    this.stalls++;
    this.stalledUntil = now() + ms;
    this.sock?.pause();
    setTimeout(() => {
      this.stalledUntil = 0;
      this.sock?.resume();
    }, ms);
  }

  // A stream that went silent (no heartbeat for 4 beats) while reading:
  // the client gives up on it and reconnects, as EventSource would not,
  // so count it.
  checkAlive() {
    if (this.sock && !this.stalledUntil && this.status === 200 && now() - this.lastByte > 4 * HEARTBEAT_MS) {
      this.watchdog++;
      log(`${this.label()}: no byte for ${now() - this.lastByte} ms, reconnecting`);
      this.sock.destroy();
    }
  }

  stop() {
    this.stopped = true;
    this.sock?.destroy();
  }
}

let subs = [];

// ---------------------------------------------------------------- the run

async function detectIdempotency() {
  if (IDEM === 'off') return 'none (CHAOS_IDEMPOTENCY=off)';
  const key = `chaos-probe-${SEED}-${T0}`;
  const ev = { topic: 'chaos-probe', data: 'probe' };
  let a;
  for (let i = 0; i < 100; i++) {
    a = await publishOnce(ev, key);
    if (a.status === 201) break;
    await sleep(100);     // the database connections may still be coming up
  }
  if (a.status !== 201) throw new Error(`probe publish failed: ${JSON.stringify(a)}`);
  const b = await publishOnce(ev, key);
  return b.status === 201 && b.json?.id === a.json.id ? 'idempotent' : 'none';
}

function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function recoveries() {
  for (const f of faults.filter((x) => x.kind === 'stall')) {
    const s = subs[f.sub];
    // Cut off: its stream ended between the stall and shortly after it
    // resumed reading, with no other fault in that window.
    const otherFault = faults.some((g) => g !== f && g.t >= f.t - 500 && g.t <= f.back + 2000);
    f.cut = s.endTimes.some((t) => t >= f.t && t <= f.back + 2000);
    f.cutUnexplained = f.cut && !otherFault;
    const target = ackLog.filter(([, ack]) => ack <= f.back).reduce((m, [, , id]) => Math.max(m, id), 0);
    const hit = s.received.find(([id]) => id >= target);
    f.catchUpMs = hit ? Math.max(0, hit[1] - f.back) : null;
    f.detail = `subscriber ${f.sub} stalled ${STALL_MS} ms; ${f.cut ? 'cut off by the server' : 'not cut off'}${otherFault ? ' (another fault overlapped)' : ''}; `
      + `caught up ${f.catchUpMs} ms after it read again`;
    if (f.catchUpMs === null || f.catchUpMs > RECOVERY_LIMIT_MS) violation(`stalled subscriber ${f.sub} did not catch up (${f.catchUpMs})`);
  }
  for (const f of faults.filter((x) => x.kind !== 'stall')) {
    // First publish attempt started once the component was surely gone
    // that succeeded, timed from the fault.
    const gone = f.gone ?? f.t;
    const pub = ackLog.filter(([start]) => start >= gone).reduce((m, [, ack]) => Math.min(m, ack), Infinity);
    f.publishMs = pub === Infinity ? null : pub - f.t;
    // Deliveries of events acknowledged after that (nothing a subscriber
    // could have had before the fault).
    const maxBefore = ackLog.filter(([, ack]) => ack <= gone).reduce((m, [, , id]) => Math.max(m, id), 0);
    const firsts = [];
    // A subscriber stalled earlier is judged by its own catch-up (above).
    const stalled = new Set(faults.filter((g) => g.kind === 'stall' && g.t <= f.t).map((g) => g.sub));
    for (const s of subs) {
      if (stalled.has(s.index)) continue;
      const hit = s.received.find(([id, t]) => t >= gone && id > maxBefore);
      firsts.push(hit ? hit[1] - f.t : null);
    }
    const got = firsts.filter((x) => x !== null);
    f.firstDeliveryMs = got.length ? Math.min(...got) : null;
    f.allDeliveredMs = got.length === firsts.length ? Math.max(...got) : null;
    // The same, from the moment the component was back: ssehub's own part.
    const back = (v) => (v === null || f.back === undefined ? null : Math.max(0, v - (f.back - f.t)));
    f.publishAfterBackMs = back(f.publishMs);
    f.allAfterBackMs = back(f.allDeliveredMs);
    for (const [what, v] of [['publish', f.publishAfterBackMs], ['delivery to every subscriber', f.allAfterBackMs]]) {
      if (v === null || v > RECOVERY_LIMIT_MS) {
        violation(`${f.kind} at ${f.t} ms: ${what} not recovered within ${RECOVERY_LIMIT_MS} ms of it being back (${v})`);
      }
    }
  }
}

function verify() {
  const first = Math.min(...subs.map((s) => s.start)) + 1;
  const rows = psql(`SELECT id, topic, data FROM ssehub.events WHERE id >= ${first} ORDER BY id`);
  const table = new Map();
  for (const line of rows === '' ? [] : rows.split('\n')) {
    const [id, topic, ...rest] = line.split('|');
    let d = null;
    try { d = JSON.parse(rest.join('|')); } catch { /* the probe */ }
    table.set(Number(id), { topic, d });
  }
  const last = Math.max(first - 1, ...table.keys());
  // Acknowledged => stored, with the same publisher, seq and topic.
  let missing = 0;
  for (const [id, a] of acked) {
    const row = table.get(id);
    if (!row) {
      missing++;
      violation(`acknowledged id ${id} (p${a.p}/s${a.s}) is not in ssehub.events`);
    } else if (!row.d || row.d.p !== a.p || row.d.s !== a.s || row.topic !== a.topic) {
      violation(`acknowledged id ${id} (p${a.p}/s${a.s}/${a.topic}) is stored as ${row.topic} ${JSON.stringify(row.d)?.slice(0, 60)}`);
    }
  }
  // Rows per publisher+seq: >1 is a duplicate from a retry.
  const perSeq = new Map();
  for (const [id, row] of table) {
    if (!row.d || typeof row.d.p !== 'number') continue;
    const k = `${row.d.p}/${row.d.s}`;
    perSeq.set(k, [...(perSeq.get(k) ?? []), id]);
  }
  let duplicates = 0;
  let unacked = 0;
  for (const [k, ids] of perSeq) {
    const [p, s] = k.split('/').map(Number);
    if (!ids.some((id) => acked.has(id))) unacked++;
    if (ids.length > 1) {
      duplicates += ids.length - 1;
      const explained = mode !== 'idempotent' && publishers[p].ambiguousSeqs.has(s);
      if (!explained) violation(`p${p}/s${s} stored ${ids.length} times (ids ${ids}) ${mode === 'idempotent' ? 'despite Idempotency-Key' : 'without an ambiguous failure'}`);
    }
  }
  // Every subscriber: exactly the stored events of its topics after its
  // start cursor, in id order.
  for (const s of subs) {
    const expected = [];
    for (const [id, row] of table) {
      if (id > s.start && (!s.topics || s.topics.includes(row.topic))) expected.push(id);
    }
    const got = s.received.map(([id]) => id);
    const gotSet = new Set(got);
    const lost = expected.filter((id) => !gotSet.has(id));
    const expSet = new Set(expected);
    const extra = got.filter((id) => !expSet.has(id));
    s.missingAcked = lost.filter((id) => acked.has(id)).length;
    if (lost.length || extra.length || got.length !== expected.length) {
      violation(`${s.label()}: received ${got.length}, expected ${expected.length}; missing ${lost.length} (acknowledged ${s.missingAcked}) e.g. ${lost.slice(0, 5)}; not expected ${extra.length} e.g. ${extra.slice(0, 5)}`);
    }
    for (let i = 1; i < got.length; i++) {
      if (got[i] <= got[i - 1]) {
        violation(`${s.label()}: order broken at ${i}: ${got[i - 1]} then ${got[i]}`);
        break;
      }
    }
  }
  // Ids are drawn consecutively (README): holes are reported, not fatal.
  const ids = [...table.keys()];
  let holes = 0;
  for (let i = 1; i < ids.length; i++) holes += ids[i] - ids[i - 1] - 1;
  return { first, last, rows: table.size, missing, duplicates, unacked, holes };
}

let publishers = [];

async function main() {
  mkdirSync(path.join(ROOT, 'var'), { recursive: true });
  log(`chaos run: ${SECONDS} s, ${PUBLISHERS} publishers x ${RATE}/s, ${SUBSCRIBERS} subscribers, seed ${SEED}`);
  await stopServer().catch(() => {});
  await startServer();
  mode = await detectIdempotency();
  log(`publish mode: ${mode === 'idempotent' ? 'Idempotency-Key (a repeat returned the same id)' : `no idempotency: ${mode}`}`);

  const start = Number(psql('SELECT ssehub.last_id()'));
  subs = Array.from({ length: SUBSCRIBERS }, (_, i) => new Subscriber(i, SUB_TOPICS[i % SUB_TOPICS.length], start));
  await sleep(500);
  publishers = Array.from({ length: PUBLISHERS }, (_, i) => new Publisher(i));
  const running = publishers.map((p) => p.run());
  const watchdog = setInterval(() => subs.forEach((s) => s.checkAlive()), 500);

  // Faults, evenly spread from 3 s to the end minus 2 s; kinds in turn.
  const kinds = [faultServer, faultWorker, faultPostgres, faultStall];
  const every = Math.max(3000, Math.min(5000, (SECONDS * 1000 - 8000) / (kinds.length - 1)));
  const runStart = now();
  for (let i = 0, at = 3000; at <= SECONDS * 1000 - 5000; i++, at += every) {
    await sleep(Math.max(0, runStart + at - now()));
    await kinds[i % kinds.length]();
  }
  await sleep(Math.max(0, runStart + SECONDS * 1000 - now()));

  log('publishers stop; draining');
  publishing = false;
  await Promise.race([Promise.all([...running, ...bulkRuns]), sleep(30000)]);
  // Every subscriber catches up to the last stored id of its topics.
  const lastOf = (s) => Number(psql(`SELECT coalesce(max(id), 0) FROM ssehub.events WHERE id > ${s.start}${s.topics ? ` AND topic IN (${s.topics.map((t) => `'${t}'`).join(',')})` : ''}`));
  const targets = subs.map(lastOf);
  const drainStart = now();
  while (now() - drainStart < 30000 && subs.some((s, i) => s.cursor < targets[i])) await sleep(100);
  clearInterval(watchdog);
  log(`drained in ${now() - drainStart} ms`);
  const slowCuts = await slowDisconnects();
  subs.forEach((s) => s.stop());

  recoveries();
  const v = verify();
  await stopServer();

  // ------------------------------------------------------------ report
  const byKind = {};
  for (const f of faults) (byKind[f.kind] ??= []).push(f);
  console.log('\n=== chaos summary');
  console.log(`duration ${SECONDS} s, seed ${SEED}, publish mode: ${mode}`);
  console.log(`publish attempts ${stats.attempts}, acknowledged ${stats.acked} (distinct ids ${acked.size}), `
    + `refused connections ${stats.refused}, ambiguous failures ${stats.ambiguous} (of them 503: ${stats.failed503}), other ${stats.other}`);
  console.log(`failures by kind: ${JSON.stringify(stats.byError)}`);
  console.log(`retries after an ambiguous failure ${stats.retriedAfterAmbiguous}; duplicate rows (same publisher+seq stored twice) ${v.duplicates}`
    + `${mode === 'idempotent' ? '' : ' (ambiguous retries, allowed without Idempotency-Key)'}; stored but never acknowledged ${v.unacked}`);
  console.log(`table ids ${v.first}..${v.last}: ${v.rows} rows, ${v.holes} holes; acknowledged but missing ${v.missing}`);
  const lat = [...latencies].sort((a, b) => a - b);
  const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  console.log(`publish latency of acknowledged attempts: p50 ${pct(0.5)} / p99 ${pct(0.99)} / max ${lat[lat.length - 1]} ms`);
  for (const s of subs) {
    console.log(`  ${s.label().padEnd(32)} received ${String(s.received.length).padStart(6)}, streams opened ${s.opened}, `
      + `connection attempts ${s.connects}, watchdog reconnects ${s.watchdog}, stalls ${s.stalls}, missing acknowledged ${s.missingAcked}`);
  }
  console.log(`slow-consumer cut-offs (server metric, last server life) ${slowCuts ?? 'n/a'}; server start retries (shared build folder) ${startRetries}`);
  console.log(`faults injected: ${Object.entries(byKind).map(([k, fs]) => `${k} ${fs.length}`).join(', ')}`);
  for (const [k, fs] of Object.entries(byKind).filter(([k]) => k !== 'stall')) {
    const fmt = (xs) => {
      const ok = xs.filter((x) => x !== null);
      return ok.length ? `median ${median(ok)} / max ${Math.max(...ok)} ms` : 'n/a';
    };
    console.log(`  ${k.padEnd(12)} from the fault: first publish ${fmt(fs.map((f) => f.publishMs))}; `
      + `first delivery ${fmt(fs.map((f) => f.firstDeliveryMs))}; every subscriber ${fmt(fs.map((f) => f.allDeliveredMs))}`);
    if (k !== 'worker-kill') {
      console.log(`  ${''.padEnd(12)} from the restart: first publish ${fmt(fs.map((f) => f.publishAfterBackMs))}; `
        + `every subscriber ${fmt(fs.map((f) => f.allAfterBackMs))}`);
    }
  }
  for (const f of faults) {
    if (f.kind === 'stall') {
      console.log(`    at ${(f.t / 1000).toFixed(1)} s stall: ${f.detail}`);
      continue;
    }
    console.log(`    at ${(f.t / 1000).toFixed(1)} s ${f.kind}: publish +${f.publishMs} ms, first delivery +${f.firstDeliveryMs} ms, `
      + `every subscriber +${f.allDeliveredMs} ms (${f.detail})`);
  }
  const summary = { seconds: SECONDS, seed: SEED, mode, stats, verify: v, faults, violations: violations.length,
    subscribers: subs.map((s) => ({ label: s.label(), received: s.received.length, connects: s.connects, watchdog: s.watchdog })) };
  writeFileSync(path.join(PG_VAR, 'last-run.json'), JSON.stringify(summary, null, 1));
  if (violations.length) {
    console.log(`\nFAIL: ${violations.length} violation(s); first: ${violations.slice(0, 5).join(' | ')}`);
    process.exit(1);
  }
  console.log('\nPASS: every acknowledged event stored and received exactly once, in order, by every subscriber of its topic');
  process.exit(0);
}

async function slowDisconnects() {
  const r = await httpRequest('GET', '/metrics', {}, null, 2000);
  if (r.status !== 200) return null;
  return [...r.text.matchAll(/^ssehub_slow_disconnects_total\{worker="\d+"\} (\d+)/gm)]
    .reduce((a, m) => a + Number(m[1]), 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
