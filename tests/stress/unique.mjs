// Unique topics and non-reading replays (tests/stress/run.sh):
//
//   TOPICS streams with one topic each (12,000): the topic table grows
//   to that many entries and every publish still finds its topic at once;
//   REPLAYS clients (5,000) that connect with last_event_id=0 behind a
//   history of HISTORY events of ~1 KiB (50,000) and never read.
//
// Meanwhile an ordinary subscriber's live delivery p99 must stay under
// P99_MS (50), and each worker's RSS must stay bounded: the catch-up
// budget (src/replay.c) holds replay copies to 32 MiB a worker, where
// without it each non-reader holds half a queue cap. Prints RSS per worker
// before and after, the p99, and the gauges; exits 1 on a failed check.
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, stopServer, publish, psql, metrics, metric, sum, sleep, workerUsage,
  ssebench, liveLatency,
} from '../integration/lib.mjs';

const env = (k, d) => Number(process.env[k] || d);
const TOPICS = env('STRESS_TOPICS', 12000);
const REPLAYS = env('STRESS_REPLAYS', 5000);
const HISTORY = env('STRESS_HISTORY', 50000);
const P99_MS = env('STRESS_P99_MS', 50);
// Growth of one worker's RSS: the 32 MiB budget, the streams' own state
// (a few KiB each) and allocator slack.
const RSS_GROWTH_MB = env('STRESS_RSS_GROWTH_MB', 96);
const NAME = 'stress';
const HTTP = env('STRESS_PORT', 19600);
const DIR = path.join(process.env.SSEHUB_TEST_VAR, NAME);
const CLIENT_PROC_CONNS = 9000; // ssebench processes stay under ulimit -n

const mb = (kb) => (kb / 1024).toFixed(1);
const rssLine = (u) => Object.entries(u).map(([w, x]) => `wrk ${w}: ${mb(x.rssKb)} MiB, ${x.fds} fds`).join('; ');

async function fillHistory() {
  const have = Number(psql("SELECT count(*) FROM ssehub.events WHERE topic = 'hist'"));
  const data = 'x'.repeat(1000);
  const batch = Array.from({ length: 50 }, () => ({ topic: 'hist', event: 'h', data }));
  let left = Math.ceil((HISTORY - have) / batch.length);
  const t0 = Date.now();
  const worker = async () => {
    while (left-- > 0) {
      const r = await publish(HTTP, batch);
      if (r.status !== 201) throw new Error(`history publish: ${r.status} ${r.body}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { had: have, now: Number(psql("SELECT count(*) FROM ssehub.events WHERE topic = 'hist'")), ms: Date.now() - t0 };
}

// CPU seconds of each worker (utime + stime), or the share of one core
// each used since an earlier reading.
function workerCpu(since = null) {
  const now = { t: Date.now() };
  for (const [w, x] of Object.entries(workerUsage(NAME))) {
    try {
      const f = fs.readFileSync(`/proc/${x.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      now[w] = (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      now[w] = 0;
    }
  }
  if (!since) return now;
  const dt = (now.t - since.t) / 1000;
  return Object.keys(now).filter((w) => w !== 't')
    .map((w) => `wrk ${w} ${Math.round(((now[w] - (since[w] || 0)) / dt) * 100)}%`).join(', ');
}

const procs = (n) => String(Math.max(1, Math.ceil(n / CLIENT_PROC_CONNS)));

fs.mkdirSync(DIR, { recursive: true });
startServer(NAME, HTTP, HTTP + 1, {
  SSEHUB_STREAMS_PER_IP: '0',
  // Nobody is cut off for being idle during the run.
  SSEHUB_HEARTBEAT_MS: '60000',
  SSEHUB_KORE_EXTRA: 'worker_max_connections 19000;worker_rlimit_nofiles 19500;http_request_limit 1000',
});
const clients = [];
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed++;
};
try {
  const h = await fillHistory();
  console.log(`history: ${h.now} events of ~1 KiB on topic hist (${h.had} before, filled in ${h.ms} ms)`);
  const base = await liveLatency(HTTP, { dir: DIR, seconds: 10 });
  const before = workerUsage(NAME);
  console.log(`idle: live p50 ${base.lat_p50_ms} ms p99 ${base.lat_p99_ms} ms; RSS ${rssLine(before)}`);

  const t0 = Date.now();
  const uniq = ssebench('sub', ['--port', String(HTTP), '--path', '/stream?topic=u{i}', '--conns', String(TOPICS),
    '--procs', procs(TOPICS), '--duration', '3600', '--ramp-per-sec', '4000', '--ready-file', path.join(DIR, 'uniq.ready')]);
  clients.push(uniq);
  await uniq.ready(120000);
  const tUniq = Date.now() - t0;
  const replay = ssebench('sub', ['--port', String(HTTP), '--path', '/stream?topic=hist', '--last-event-id', '0',
    '--no-read', '--conns', String(REPLAYS), '--procs', procs(REPLAYS), '--duration', '3600',
    '--ramp-per-sec', '4000', '--ready-file', path.join(DIR, 'replay.ready')]);
  clients.push(replay);
  await replay.ready(120000);
  console.log(`${TOPICS} unique-topic streams open in ${tUniq} ms, ${REPLAYS} non-reading replays in ${Date.now() - t0 - tUniq} ms`);
  await sleep(5000); // the catch-ups run into their budget
  const mid = workerUsage(NAME);
  const m = await metrics(HTTP);
  const cpu0 = workerCpu();
  const live = await liveLatency(HTTP, { dir: DIR, seconds: 20 });
  const cpu = workerCpu(cpu0);
  const after = workerUsage(NAME);
  const subs = metric(m, 'ssehub_subscribers');
  const queued = metric(m, 'ssehub_queued_bytes');
  const replayed = metric(m, 'ssehub_events_replayed_total');

  console.log(`under load: subscribers per worker [${subs}] (sum ${sum(subs)}); queued bytes per worker [${queued}]; events replayed [${replayed}]`);
  console.log(`live delivery to ${live.conns} ordinary subscribers, ${live.published} events: p50 ${live.lat_p50_ms} ms p99 ${live.lat_p99_ms} ms max ${live.lat_max_ms} ms (${live.events} received, missing ${live.missing})`);
  console.log(`worker CPU during the live run: ${cpu}; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('RSS per worker:');
  for (const w of Object.keys(after).sort()) {
    const b = before[w] || { rssKb: 0, fds: 0 };
    console.log(`  wrk ${w}: before ${mb(b.rssKb)} MiB (${b.fds} fds), 5 s in ${mb((mid[w] || {}).rssKb || 0)} MiB, after ${mb(after[w].rssKb)} MiB (${after[w].fds} fds), growth ${mb(after[w].rssKb - b.rssKb)} MiB`);
  }
  const uniqRes = await uniq.stop();
  const replayRes = await replay.stop();
  clients.length = 0;
  console.log(`unique-topic clients: ${uniqRes.connected} connected, ${uniqRes.failed} failed, ${uniqRes.closed} closed by the server`);
  console.log(`replay clients: ${replayRes.connected} connected, ${replayRes.failed} failed`);

  check(uniqRes.connected === TOPICS && uniqRes.closed === 0, `all ${TOPICS} unique-topic streams open throughout`);
  check(replayRes.connected === REPLAYS, `all ${REPLAYS} replays connected`);
  check(sum(subs) === TOPICS + REPLAYS, `ssehub_subscribers ${sum(subs)} = ${TOPICS + REPLAYS}`);
  check(live.events === live.published * live.conns && live.missing === 0, 'every live event reached every ordinary subscriber');
  check(live.lat_p99_ms >= 0 && live.lat_p99_ms < P99_MS, `live p99 ${live.lat_p99_ms} ms < ${P99_MS} ms (-1: nothing arrived)`);
  for (const w of Object.keys(after)) {
    const g = (after[w].rssKb - (before[w] || { rssKb: 0 }).rssKb) / 1024;
    check(g < RSS_GROWTH_MB, `wrk ${w} RSS growth ${g.toFixed(1)} MiB < ${RSS_GROWTH_MB} MiB`);
  }
} catch (e) {
  console.log(`FAIL ${e.stack}`);
  failed++;
} finally {
  for (const c of clients) await c.stop();
  stopServer(NAME);
}
console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
process.exit(failed ? 1 : 0);
