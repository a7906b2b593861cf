// The failover run (tests/failover/run.sh starts the clusters): ssehub on
// a multi-host SSEHUB_DB, HTTP publishers with Idempotency-Keys that retry
// until acknowledged, subscribers on several topics that reconnect with
// Last-Event-ID; mid-run the primary is killed (immediate shutdown) and
// the standby promoted. Then every acknowledged event, every stream and
// every id anyone was shown is checked against the new primary's table.
//
// FAILOVER_MODE=sync: no acknowledged event may be lost, nothing may be
// delivered that the table lacks, no reset. FAILOVER_MODE=async: the
// standby is cut off (primary_conninfo emptied) a few seconds before the
// kill, so what was acknowledged after that is lost; checked: no id is
// used for two events, the lost acknowledged events all lie in the range
// the server declares lost (ssehub.trim lost_after..lost_through), and a
// cursor inside that range gets a reset (or the events themselves from a
// worker's memory), never silence; counted: how many were lost.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { publish } from '../lib/http.mjs';
import { psql } from '../lib/pg.mjs';
import { SseConnection } from '../lib/sse.mjs';
import { ROOT, TOKEN, startServer, stopServer, sleep } from '../integration/lib.mjs';

const env = (k, d) => process.env[k] ?? d;
const MODE = env('FAILOVER_MODE', 'sync');
const SECONDS = Number(env('FAILOVER_SECONDS', 12));
const HTTP = Number(env('FAILOVER_HTTP_PORT', 19520));
const PG_PORT = Number(env('FAILOVER_PG_PORT', 18960));
const PRIMARY = env('FAILOVER_PRIMARY');
const STANDBY = env('FAILOVER_STANDBY');
const PG = path.join(ROOT, 'tests/lib/pg.sh');
const TOPICS = ['fo-0', 'fo-1', 'fo-2', 'fo-3'];
const PUBLISHERS = Number(env('FAILOVER_PUBLISHERS', 4));
const RATE = Number(env('FAILOVER_RATE', 20));   // requests/s per publisher
const RUN = `fo-${MODE}-${Date.now()}`;

const T0 = Date.now();
const now = () => Date.now() - T0;
const log = (...a) => console.log(`[${(now() / 1000).toFixed(1).padStart(5)}s]`, ...a);
const violations = [];
function violation(msg) {
  if (violations.length < 60) log('VIOLATION:', msg);
  violations.push(msg);
}
let seed = Number(env('FAILOVER_SEED', Date.now() % 100000));
function rnd() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const between = (lo, hi) => lo + rnd() * (hi - lo);

const conn = (dir, port) => `host=${dir}/pgrun port=${port} dbname=ssehub user=ssehub gssencmode=disable`;
const PRIMARY_DB = conn(PRIMARY, PG_PORT);
const STANDBY_DB = conn(STANDBY, PG_PORT + 1);
const psqlAt = (db, sql) => psql(db, sql, { quiet: true });
// Asynchronous: publishers and subscribers keep running meanwhile.
const execFileP = promisify(execFile);
async function pg(...args) {
  await execFileP(PG, args);
}
const tagOf = (data) => {
  try {
    const d = JSON.parse(data);
    return typeof d?.tag === 'string' ? d.tag : null;
  } catch {
    return null;
  }
};

// ---- publishers -------------------------------------------------------

let publishing = true;
let tKill = null;                 // Date.now() when the primary was gone
let firstAfterKill = null;        // {ms, at}: first 201 of an attempt sent after it
const acks = [];                  // {tags, ids, topics, key, at, tries, replayed}
const pstats = { requests: 0, attempts: 0, retried: 0, byError: {} };

async function publisher(index) {
  for (let n = 0; publishing; n++) {
    const start = Date.now();
    await publishOne(index, n);
    const wait = (1000 / RATE) * between(0.5, 1.5) - (Date.now() - start);
    if (wait > 0) await sleep(wait);
  }
}

async function publishOne(index, n) {
  const count = rnd() < 0.2 ? Math.floor(between(2, 5)) : 1;
  const events = Array.from({ length: count }, (_, i) => ({
    topic: TOPICS[Math.floor(rnd() * TOPICS.length)],
    event: 'fo',
    data: { tag: `p${index}-${n}-${i}`, pad: 'x'.repeat(Math.floor(between(20, 200))) },
  }));
  const key = `${RUN}-p${index}-${n}`;
  const first = Date.now();
  pstats.requests++;
  for (let tries = 1; ; tries++) {
    pstats.attempts++;
    if (tries > 1) pstats.retried++;
    const sentAt = Date.now();
    const r = await publish(HTTP, count === 1 ? events[0] : events, { token: TOKEN, headers: { 'Idempotency-Key': key } });
    const ids = r.status === 201 ? (count === 1 ? [r.json?.id] : r.json?.ids) : null;
    if (ids && ids.length === count && ids.every(Number.isSafeInteger)) {
      const at = Date.now();
      acks.push({
        tags: events.map((e) => e.data.tag), ids, topics: events.map((e) => e.topic), key, at, tries,
        replayed: r.headers['idempotent-replayed'] === 'true',
      });
      if (tKill !== null && sentAt > tKill && firstAfterKill === null) {
        firstAfterKill = { ms: at - tKill, tries };
        log(`first acknowledged publish after the kill: ${at - tKill} ms after it (id ${ids[0]})`);
      }
      return;
    }
    const kind = r.status ? `HTTP ${r.status}` : r.error;
    pstats.byError[kind] = (pstats.byError[kind] ?? 0) + 1;
    if (r.status && r.status !== 503) {
      violation(`publish ${key}: unexpected ${r.status} ${JSON.stringify(r.json)}`);
      return;
    }
    if (!publishing && Date.now() - first > 30000) {
      violation(`publish ${key} never acknowledged (${tries} tries)`);
      return;
    }
    await sleep(between(100, 300));
  }
}

// ---- subscribers ------------------------------------------------------

class Subscriber {
  constructor(index, topics, churn, port = HTTP, cursor = 0) {
    this.index = index;
    this.topics = topics;        // null: every topic
    this.churn = churn;
    this.port = port;
    this.cursor = cursor;        // highest id received (events and resets)
    this.start = cursor;
    this.frames = [];            // {id, type, tag, data, before}
    this.connects = 0;
    this.stopped = false;
    this.connect();
    if (churn) this.churnLoop();
    this.watch = setInterval(() => this.checkAlive(), 500);
  }

  label() {
    return `sub${this.index}${this.churn ? '/churn' : ''}[${this.topics ? this.topics.join(',') : 'all'}]`;
  }

  connect() {
    if (this.stopped) return;
    this.connects++;
    const q = (this.topics ?? []).map((t) => `topic=${t}`).join('&');
    this.status = null;
    const sock = new SseConnection(this.port, `/stream?${q}`, { 'Last-Event-ID': this.cursor }, {
      event: (e) => this.frame(e),
      opened: (status) => {
        this.status = status;
        if (status !== 200) {
          violation(`${this.label()}: /stream answered ${status}`);
          sock.destroy();
        }
      },
      closed: () => {
        if (this.sock !== sock) return;
        this.sock = null;
        if (!this.stopped) setTimeout(() => this.connect(), between(100, 300));
      },
    });
    this.sock = sock;
  }

  frame(f) {
    const id = /^\d+$/.test(f.id) ? Number(f.id) : NaN;
    this.frames.push({ id, type: f.type, tag: f.type === 'reset' ? null : tagOf(f.data), data: f.data, before: this.cursor });
    if (id > this.cursor) this.cursor = id;
  }

  async churnLoop() {
    while (!this.stopped) {
      await sleep(between(1500, 4000));
      if (this.churn && !this.stopped) this.sock?.destroy();
    }
  }

  // Heartbeats come every second: 4 s of silence is a dead stream.
  checkAlive() {
    if (this.sock && this.status === 200 && Date.now() - this.sock.lastByte > 4000) {
      log(`${this.label()}: no byte for 4 s, reconnecting`);
      this.sock.destroy();
    }
  }

  events() {
    return this.frames.filter((f) => f.type !== 'reset');
  }

  stop() {
    this.stopped = true;
    clearInterval(this.watch);
    this.sock?.destroy();
  }
}

// A short stream from a given cursor, every topic: its frames.
async function probe(port, cursor, ms = 1000) {
  const s = new Subscriber(`probe@${port}:${cursor}`, null, false, port, cursor);
  await sleep(ms);
  s.stop();
  return s;
}

// ---- the run ----------------------------------------------------------

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (pred()) return true;
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`timeout waiting for ${what}`);
}

function maxSeen(subs) {
  let m = 0;
  for (const a of acks) for (const id of a.ids) m = Math.max(m, id);
  for (const s of subs) for (const f of s.frames) if (f.type !== 'reset' && f.id > m) m = f.id;
  return m;
}

async function main() {
  const killAt = SECONDS * 400;                       // ms into the run
  const cutLead = Math.max(2000, SECONDS * 100);      // async: cut-off before it
  log(`mode ${MODE}, ${SECONDS} s, kill at ${killAt / 1000} s, ${PUBLISHERS} publishers x ${RATE}/s`);

  if (MODE === 'sync') {
    await waitFor(() => psqlAt(PRIMARY_DB, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'") === 'sync',
      10000, 'the standby to be synchronous');
    log('standby1 is a synchronous standby (synchronous_commit = on)');
  } else {
    await waitFor(() => psqlAt(PRIMARY_DB, "SELECT state FROM pg_stat_replication WHERE application_name = 'standby1'") === 'streaming',
      10000, 'the standby to stream');
    log('standby1 streams asynchronously');
  }

  startServer('a', HTTP, HTTP + 1, { SSEHUB_HEARTBEAT_MS: '1000', SSEHUB_RETRY_MS: '200' });
  const subs = [
    new Subscriber(0, null, false),
    new Subscriber(1, null, true),
    new Subscriber(2, ['fo-0'], false),
    new Subscriber(3, ['fo-1', 'fo-2'], true),
    new Subscriber(4, ['fo-3'], true),
    new Subscriber(5, ['fo-0', 'fo-3'], false),
  ];
  await sleep(300);
  const pubs = Array.from({ length: PUBLISHERS }, (_, i) => publisher(i));

  let cut = null;
  if (MODE === 'async') {
    await sleep(killAt - cutLead - now());
    // The standby stops receiving WAL: what commits from now on exists
    // only on the primary (and was acknowledged: replication is async).
    psqlAt(STANDBY_DB, "ALTER SYSTEM SET primary_conninfo = ''");
    psqlAt(STANDBY_DB, 'SELECT pg_reload_conf()');
    await waitFor(() => psqlAt(STANDBY_DB, 'SELECT count(*) FROM pg_stat_wal_receiver') === '0', 5000, 'the WAL receiver to stop');
    cut = { at: now(), seen: maxSeen(subs) };
    log(`standby cut off from the primary (ids seen so far: up to ${cut.seen})`);
  }

  await sleep(killAt - now());
  const tIssued = Date.now();
  await pg('kill', PRIMARY);
  // From here on the primary is gone: pg_ctl waited for it to exit.
  tKill = Date.now();
  const seenBeforeKill = maxSeen(subs);
  log(`primary killed (immediate shutdown, pg_ctl took ${tKill - tIssued} ms); highest id any client saw: ${seenBeforeKill}`);
  await sleep(1000);
  const tPromote = Date.now();
  await pg('promote', STANDBY);
  const tPromoted = Date.now();
  log(`standby promoted (${tPromoted - tKill} ms after the kill, pg_ctl promote took ${tPromoted - tPromote} ms)`);

  await sleep(SECONDS * 1000 - now());
  publishing = false;
  await Promise.all(pubs);
  log(`publishing stopped: ${acks.length} requests acknowledged`);

  // Everyone catches up with the table: each subscriber until it has
  // the last event of its topics.
  const NEW = STANDBY_DB;
  const lastOf = (topics) => Number(psqlAt(NEW, `SELECT coalesce(max(id), 0) FROM ssehub.events${topics ? ` WHERE topic IN (${topics.map((t) => `'${t}'`).join(',')})` : ''}`));
  try {
    await waitFor(() => subs.every((s) => s.cursor >= lastOf(s.topics)), 20000, 'the subscribers to catch up');
  } catch (e) {
    violation(`${e.message}: ${subs.map((s) => `${s.label()} at ${s.cursor}/${lastOf(s.topics)}`).join(', ')}`);
  }

  // The lost range, as the server recorded it.
  const [lostAfter, lostThrough] = psqlAt(NEW, 'SELECT lost_after, lost_through FROM ssehub.trim').split('|').map(Number);
  const probes = [];
  // The range clients lost, as they saw it: ids shown to anyone (201s,
  // streams) that the new primary lacks. The probes start inside it.
  const stored = new Set(psqlAt(NEW, 'SELECT id FROM ssehub.events').split('\n').filter(Boolean).map(Number));
  const gone = [...new Set([...acks.flatMap((a) => a.ids), ...subs.flatMap((s) => s.events().map((f) => f.id))])]
    .filter((id) => !stored.has(id)).sort((x, y) => x - y);
  if (MODE === 'async' && gone.length) {
    const lo = gone[0] - 1;
    const hi = gone.at(-1);
    log(`ids shown to clients and not in the new primary: ${gone.length}, ${lo + 1}..${hi}; the server declares ${lostAfter + 1}..${lostThrough} lost`);
    const cursors = [...new Set([lo, Math.floor((lo + hi) / 2), hi - 1])];
    // A fresh node has none of the lost events in memory: the table alone.
    startServer('b', HTTP + 2, HTTP + 3, { SSEHUB_HEARTBEAT_MS: '1000', SSEHUB_RETRY_MS: '200' });
    for (const c of cursors) {
      probes.push({ node: 'a', cursor: c, s: await probe(HTTP, c) });
      probes.push({ node: 'b', cursor: c, s: await probe(HTTP + 2, c) });
    }
    stopServer('b');
  }
  for (const s of subs) s.stop();
  stopServer('a');

  check({ subs, probes, lostAfter, lostThrough, seenBeforeKill, cut, tPromoted });
}

// ---- the checks -------------------------------------------------------

function check({ subs, probes, lostAfter, lostThrough, seenBeforeKill, cut, tPromoted }) {
  const rows = psqlAt(STANDBY_DB, "SELECT id, topic, data::json->>'tag' FROM ssehub.events ORDER BY id")
    .split('\n').filter(Boolean).map((l) => {
      const [id, topic, tag] = l.split('|');
      return { id: Number(id), topic, tag };
    });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byTag = new Map();
  for (const r of rows) byTag.set(r.tag, [...(byTag.get(r.tag) ?? []), r]);
  const inLost = (id) => id > lostAfter && id <= lostThrough;
  const head = Math.max(rows.at(-1)?.id ?? 0, lostThrough);

  // 1. One id, one event: whatever anyone was shown, and the table.
  const shown = new Map();   // id -> {tag, who}
  const see = (id, tag, who) => {
    const s = shown.get(id);
    if (!s) shown.set(id, { tag, who });
    else if (s.tag !== tag) violation(`id ${id} used twice: ${s.tag} (${s.who}) and ${tag} (${who})`);
  };
  for (const a of acks) a.ids.forEach((id, i) => see(id, a.tags[i], `201 to ${a.key}`));
  for (const s of [...subs, ...probes.map((p) => p.s)]) for (const f of s.events()) see(f.id, f.tag, s.label());
  for (const [id, s] of shown) {
    const r = byId.get(id);
    if (r && r.tag !== s.tag) violation(`id ${id}: ${s.who} was shown ${s.tag}, the table holds ${r.tag}`);
    if (!r && !inLost(id)) violation(`id ${id} (${s.tag}, ${s.who}) is not in the table, outside the lost range ${lostAfter}..${lostThrough}`);
  }
  for (const [tag, rs] of byTag) if (rs.length > 1) violation(`${tag} stored ${rs.length} times: ids ${rs.map((r) => r.id)}`);
  const reused = rows.filter((r) => inLost(r.id));
  if (reused.length) violation(`${reused.length} events stored inside the lost range, e.g. id ${reused[0].id}`);
  if (lostThrough > lostAfter && lostThrough < seenBeforeKill) {
    violation(`lost range ends at ${lostThrough}, below the highest id seen before the kill (${seenBeforeKill})`);
  }

  // 2. Every acknowledged event: in the table once, with its id; or lost.
  let ackedEvents = 0;
  const lost = [];
  for (const a of acks) {
    a.tags.forEach((tag, i) => {
      ackedEvents++;
      const rs = byTag.get(tag) ?? [];
      if (rs.length === 0) {
        lost.push({ tag, id: a.ids[i], at: a.at });
        if (MODE === 'sync') violation(`acknowledged ${tag} (id ${a.ids[i]}) lost`);
        else if (!inLost(a.ids[i])) violation(`acknowledged ${tag} (id ${a.ids[i]}) lost, outside the lost range ${lostAfter}..${lostThrough}`);
      } else if (rs[0].id !== a.ids[i]) {
        violation(`acknowledged ${tag} as id ${a.ids[i]}, stored as ${rs[0].id}`);
      }
    });
  }
  if (MODE === 'sync' && lostThrough > lostAfter) violation(`sync mode, yet ids ${lostAfter + 1}..${lostThrough} declared lost`);

  // 3. Every stream: ids increasing, nothing twice, nothing missing
  // unless under a reset, only its topics.
  const lines = [];
  let deliveredLost = 0;
  for (const s of subs) {
    const evs = s.events();
    let prev = s.start;
    const tags = new Map();
    for (const f of s.frames) {
      if (!(f.id > prev)) violation(`${s.label()}: id ${f.id} after ${prev}`);
      prev = Math.max(prev, f.id);
      if (f.type === 'reset') {
        if (MODE === 'sync') violation(`${s.label()}: reset ${f.id} (data ${f.data}) in sync mode`);
        continue;
      }
      if (s.topics && !s.topics.includes(byId.get(f.id)?.topic ?? s.topics[0])) violation(`${s.label()}: id ${f.id} of another topic`);
      if (tags.has(f.tag)) {
        const ids = [tags.get(f.tag), f.id];
        if (!(MODE === 'async' && ids.some(inLost))) violation(`${s.label()}: ${f.tag} twice (ids ${ids})`);
      }
      tags.set(f.tag, f.id);
      if (!byId.has(f.id)) deliveredLost++;
    }
    const got = new Set(evs.map((f) => f.id));
    const resets = s.frames.filter((f) => f.type === 'reset');
    const covered = (id) => resets.some((r) => id > r.before && id <= r.id);
    const first = evs[0]?.id ?? Infinity;
    const last = evs.at(-1)?.id ?? 0;
    let missing = 0;
    for (const r of rows) {
      if (r.id < first || r.id > last || (s.topics && !s.topics.includes(r.topic))) continue;
      if (!got.has(r.id) && !covered(r.id)) {
        if (missing++ < 3) violation(`${s.label()}: missed id ${r.id} (${r.tag}) with no reset`);
      }
    }
    if (missing > 3) violation(`${s.label()}: ${missing} ids missed in all`);
    lines.push(`  ${s.label().padEnd(24)} ${String(evs.length).padStart(6)} events, ids ${first === Infinity ? '-' : first}..${last}, `
      + `${s.connects} connects, ${resets.length} resets${resets.length ? ` (${resets.map((r) => `${r.before}->${r.id}`).join(' ')})` : ''}`);
  }
  // Those on every topic saw every acknowledged event that was kept.
  for (const s of subs.filter((x) => !x.topics)) {
    const got = new Set(s.events().map((f) => f.tag));
    const miss = acks.flatMap((a) => a.tags).filter((t) => byTag.has(t) && !got.has(t));
    if (miss.length) violation(`${s.label()}: ${miss.length} acknowledged events never received, e.g. ${miss[0]}`);
  }

  // 4. Cursors inside the lost range: a reset or the events, never a
  // silent gap: every id above the cursor up to the head arrives or lies
  // under a reset.
  const probeLines = [];
  for (const p of probes) {
    const s = p.s;
    const got = new Set(s.events().map((f) => f.id));
    const resets = s.frames.filter((f) => f.type === 'reset');
    const covered = (id) => resets.some((r) => id > r.before && id <= r.id);
    const silent = [];
    for (let id = p.cursor + 1; id <= head; id++) if (!got.has(id) && !covered(id)) silent.push(id);
    if (silent.length) violation(`node ${p.node}, cursor ${p.cursor}: ids ${silent[0]}..${silent.at(-1)} (${silent.length}) neither sent nor under a reset`);
    if (p.node === 'b' && !(s.frames[0]?.type === 'reset' && s.frames[0].id === lostThrough)) {
      violation(`node b, cursor ${p.cursor}: first frame ${JSON.stringify(s.frames[0])}, not a reset to ${lostThrough}`);
    }
    const f0 = s.frames[0];
    probeLines.push(`  node ${p.node}, Last-Event-ID ${p.cursor}: first frame ${f0 ? `${f0.type === 'reset' ? `event: reset, id ${f0.id}, data ${f0.data}` : `event ${f0.id}`}` : 'none'}, `
      + `${s.events().length} events after it`);
  }

  const all = acks.flatMap((a) => a.ids);
  console.log(`\n=== failover, ${MODE} replication: figures`);
  console.log(`publish requests: ${pstats.requests}, acknowledged: ${acks.length} requests, ${ackedEvents} events `
    + `(${acks.filter((a) => a.tries > 1).length} after retries, ${acks.filter((a) => a.replayed).length} answered from their key); `
    + `attempts ${pstats.attempts}, failed attempts: ${JSON.stringify(pstats.byError)}`);
  console.log(`table (new primary): ${rows.length} events, ids ${rows[0]?.id}..${rows.at(-1)?.id}; acknowledged ids ${Math.min(...all)}..${Math.max(...all)}`);
  console.log(`highest id seen by a client before the kill: ${seenBeforeKill}${cut ? `; standby cut off at ${(cut.at / 1000).toFixed(1)} s (ids seen then: up to ${cut.seen})` : ''}`);
  console.log(`lost range declared by the server (ssehub.trim): ${lostThrough > lostAfter ? `${lostAfter + 1}..${lostThrough} (${lostThrough - lostAfter} ids)` : 'none'}`);
  console.log(`acknowledged events lost: ${lost.length}${lost.length ? ` (ids ${Math.min(...lost.map((l) => l.id))}..${Math.max(...lost.map((l) => l.id))}, acknowledged ${((Math.min(...lost.map((l) => l.at)) - tKill) / 1000).toFixed(2)} to ${((Math.max(...lost.map((l) => l.at)) - tKill) / 1000).toFixed(2)} s from the kill)` : ''}`);
  console.log(`frames delivered then lost with the old primary (all subscribers): ${deliveredLost}`);
  console.log(`kill -> standby promoted: ${tPromoted - tKill} ms (1 s of it the detection delay); kill -> first acknowledged publish: ${firstAfterKill ? `${firstAfterKill.ms} ms` : 'never'}`);
  console.log('subscribers:');
  console.log(lines.join('\n'));
  if (probeLines.length) {
    console.log('cursors inside the lost range (node a: the server that lived through it; b: started after):');
    console.log(probeLines.join('\n'));
  }
  if (!firstAfterKill) violation('no publish was acknowledged after the kill');
  console.log(`violations: ${violations.length}`);
  process.exitCode = violations.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  try { stopServer('a'); } catch { /* gone */ }
  process.exit(1);
});
