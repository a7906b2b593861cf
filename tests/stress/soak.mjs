// Soak (tests/stress/run.sh soak; make soak): SOAK_SECONDS (3600) of
// publishing (SOAK_RATE events/s), reconnect churn (clients that resume
// with Last-Event-ID after a random few seconds, some behind retention)
// and retention on (SSEHUB_RETAIN_EVENTS: 20 s of events). Every
// SOAK_SAMPLE_SECONDS (60) one row: RSS and fds per worker, the events
// table (rows, bytes), subscribers, and the live p99 of a probe. At the
// end: the last third must be flat against the first third (RSS, fds,
// table size, p99, within the tolerances below), and the long-lived
// subscribers must have seen every event in order. Exits 1 otherwise.
import path from 'node:path';
import fs from 'node:fs';
import {
  startServer, stopServer, psql, metrics, metric, sum, sleep, workerUsage, Stream,
  ssebench, liveLatency,
} from '../integration/lib.mjs';

const env = (k, d) => Number(process.env[k] || d);
const SECONDS = env('SOAK_SECONDS', 3600);
const SAMPLE = env('SOAK_SAMPLE_SECONDS', 60);
const RATE = env('SOAK_RATE', 50);
const CHURN = env('SOAK_CHURN_STREAMS', 100);
const RETAIN = RATE * 20; // 20 s of events
const NAME = 'soak';
const HTTP = env('SOAK_PORT', 19610);
const DIR = path.join(process.env.SSEHUB_TEST_VAR, NAME);
fs.mkdirSync(DIR, { recursive: true });

const mb = (kb) => kb / 1024;
const mean = (xs) => sum(xs) / Math.max(1, xs.length);

startServer(NAME, HTTP, HTTP + 1, {
  SSEHUB_RETAIN_EVENTS: String(RETAIN), SSEHUB_HEARTBEAT_MS: '5000', SSEHUB_STREAMS_PER_IP: '0',
  // A ring of 5 s of events: resuming clients read from the store, and
  // those away longer than retention keeps get a reset (a ring larger
  // than what is kept would still serve them from memory).
  SSEHUB_RING: String(RATE * 5),
});
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed++;
};
const t0 = Date.now();
const end = t0 + SECONDS * 1000;
const steady = ssebench('sub', ['--port', String(HTTP), '--path', '/stream?topic=soak', '--conns', '50',
  '--duration', String(SECONDS + 30), '--ready-file', path.join(DIR, 'steady.ready')]);
let pub = null;
let churning = true;
const churn = { opened: 0, resets: 0, events: 0, away: 0 };

// One churning client: a stream for a random 1-8 s, then again from its
// last id; now and then after 25 s away, longer than retention keeps.
async function churner() {
  let last = null;
  while (churning && Date.now() < end) {
    const headers = last === null ? {} : { 'Last-Event-ID': String(last) };
    const s = new Stream(HTTP, { path: '/stream?topic=soak', headers });
    churn.opened++;
    await sleep(1000 + Math.random() * 7000);
    s.close();
    churn.resets += s.events.filter((e) => e.event === 'reset').length;
    churn.events += s.events.length;
    const ids = s.ids();
    if (ids.length) last = ids[ids.length - 1];
    if (Math.random() < 0.03) {
      churn.away++;
      await sleep(25000);
    }
  }
}

const rows = [];
try {
  await steady.ready(20000);
  pub = ssebench('pub', ['--target', 'ssehub', '--port', String(HTTP), '--rate', String(RATE),
    '--duration', String(SECONDS), '--token', 'integration-token-1234', '--topic', 'soak']);
  const churners = Array.from({ length: CHURN }, () => churner());
  console.log(`soak: ${SECONDS} s, ${RATE} events/s, retain ${RETAIN} events, ${CHURN} churning clients, 50 steady subscribers; sample every ${SAMPLE} s`);
  console.log('   t/s  rss_w1/MiB rss_w2/MiB fds_w1 fds_w2  rows  table/MiB  subs  p99/ms');
  for (let next = t0 + SAMPLE * 1000; next <= end; next += SAMPLE * 1000) {
    const probeS = Math.min(5, Math.max(1, SAMPLE / 4));
    await sleep(Math.max(0, next - Date.now() - (probeS + 2) * 1000));
    const probe = await liveLatency(HTTP, { topic: 'probe', subs: 5, rate: 20, seconds: probeS, dir: DIR });
    await sleep(Math.max(0, next - Date.now()));
    const u = workerUsage(NAME);
    const [n, bytes] = psql("SELECT count(*), pg_total_relation_size('ssehub.events') FROM ssehub.events").split('|').map(Number);
    const subs = sum(metric(await metrics(HTTP), 'ssehub_subscribers'));
    const r = {
      t: Math.round((Date.now() - t0) / 1000), rss1: mb(u[1]?.rssKb ?? 0), rss2: mb(u[2]?.rssKb ?? 0),
      fds1: u[1]?.fds ?? 0, fds2: u[2]?.fds ?? 0, fds: sum(Object.values(u).map((x) => x.fds)), rows: n, table: bytes / 1048576, subs, p99: probe.lat_p99_ms,
    };
    rows.push(r);
    console.log(`${String(r.t).padStart(6)} ${r.rss1.toFixed(1).padStart(10)} ${r.rss2.toFixed(1).padStart(10)} ${String(r.fds1).padStart(6)} ${String(r.fds2).padStart(6)} ${String(r.rows).padStart(5)} ${r.table.toFixed(1).padStart(10)} ${String(r.subs).padStart(5)} ${r.p99.toFixed(2).padStart(7)}`);
  }
  churning = false;
  await Promise.all(churners);
  const p = await pub.done;
  await sleep(2000);
  const s = await steady.stop();
  console.log(`published ${p.acked} events (${p.errors} errors); steady subscribers: ${s.events} events, missing ${s.missing}, dup ${s.dup}, reordered ${s.reordered}, closed ${s.closed}, min ${s.min_events}, p99 ${s.lat_p99_ms} ms`);
  console.log(`churn: ${churn.opened} streams opened, ${churn.events} frames, ${churn.away} absences of 25 s, ${churn.resets} resets (cursors behind retention)`);

  check(p.errors === 0 && p.acked > 0, 'every publish accepted');
  check(s.closed === 0 && s.missing === 0 && s.dup === 0 && s.reordered === 0 && s.min_events === p.acked,
    'steady subscribers: every event, in order, none cut off');
  // Flat: the last third against the first third of the samples.
  const k = Math.max(1, Math.floor(rows.length / 3));
  const first = rows.slice(0, k);
  const last = rows.slice(-k);
  const flat = (key, rel, abs, unit) => {
    const a = mean(first.map((r) => r[key]));
    const b = mean(last.map((r) => r[key]));
    check(b <= a * (1 + rel) + abs, `${key}: last ${k} samples ${b.toFixed(2)}${unit} vs first ${k} ${a.toFixed(2)}${unit} (within +${rel * 100}% +${abs}${unit})`);
  };
  flat('rss1', 0.10, 8, ' MiB');
  flat('rss2', 0.10, 8, ' MiB');
  // Streams move between workers: the sum of their fds is what must not grow.
  flat('fds', 0, 40, '');
  flat('rows', 0.10, RATE * 5, '');
  flat('table', 0.50, 4, ' MiB');
  flat('p99', 1.0, 20, ' ms');
  check(Math.max(...rows.map((r) => r.p99)) < 100, `every sample's probe p99 under 100 ms (max ${Math.max(...rows.map((r) => r.p99)).toFixed(2)} ms)`);
} catch (e) {
  console.log(`FAIL ${e.stack}`);
  failed++;
} finally {
  churning = false;
  if (pub) await pub.stop();
  await steady.stop();
  stopServer(NAME);
}
console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
process.exit(failed ? 1 : 0);
