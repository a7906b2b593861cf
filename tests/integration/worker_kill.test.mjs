// Workers SIGKILLed 200 times while clients from several addresses open
// and close streams under a per-address limit (SSEHUB_STREAMS_PER_IP).
// A worker can die anywhere, holding the shared lock or with streams
// counted: afterwards every address must open its full quota again, no
// worker may be stuck (publish and delivery on each, /healthz), and the
// gauges must match the streams really open. Kore respawns each worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, workerPids, streamFrom, publish, request, metrics, metric,
  sum, sleep, within,
} from './lib.mjs';

const NAME = 'worker-kill';
const HTTP = 19650;
const HTTPS = 19651;
const QUOTA = 20;
const KILLS = Number(process.env.ITEST_KILLS || 200);
// Client source addresses 127.0.0.2 .. 127.0.0.9 (all of 127/8 is lo).
const ADDRS = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const PATH = '/stream?topic=kill';

before(() => startServer(NAME, HTTP, HTTPS, {
  SSEHUB_STREAMS_PER_IP: String(QUOTA), SSEHUB_RETRY_MS: '1000',
}));
after(() => stopServer(NAME));

// Resolves 'open', 'refused' (the 200 that ends at once) or 'lost' (a
// worker died under it, or no answer in time).
async function opened(s, ms = 3000) {
  try {
    await s.until((x) => x.retry !== null || x.closed, ms, 'stream head');
  } catch {
    return 'lost';
  }
  if (s.raw.includes('too many streams')) return 'refused';
  return s.closed ? 'lost' : 'open';
}

// One address: opens streams up to one past its quota and closes some at
// random, until stop() says so. Returns its tallies.
async function churn(addr, stop) {
  const open = new Set();
  const n = { open: 0, refused: 0, lost: 0 };
  while (!stop()) {
    for (const s of open) if (s.closed) open.delete(s);
    if (open.size <= QUOTA && Math.random() < 0.8) {
      const s = streamFrom(addr, HTTP, { path: PATH });
      const r = await opened(s);
      n[r]++;
      if (r === 'open') open.add(s);
      else s.close();
    } else if (open.size > 0) {
      const s = [...open][Math.floor(Math.random() * open.size)];
      s.close();
      open.delete(s);
    }
    await sleep(Math.random() * 10);
  }
  for (const s of open) s.close();
  return n;
}

// SIGKILLs one worker (alternating) and waits for Kore to start its
// successor; a random pause in between so the kills land anywhere.
async function killWorkers(times) {
  const spawnMs = [];
  for (let i = 0; i < times; i++) {
    const before = workerPids(NAME);
    const w = Object.keys(before).sort()[i % Object.keys(before).length];
    const t0 = Date.now();
    process.kill(before[w], 'SIGKILL');
    for (;;) {
      const now = workerPids(NAME);
      if (now[w] && now[w] !== before[w]) break;
      if (Date.now() - t0 > 10000) throw new Error(`worker ${w} not respawned after kill ${i + 1}`);
      await sleep(5);
    }
    spawnMs.push(Date.now() - t0);
    await sleep(Math.random() * 40);
  }
  return spawnMs;
}

test(`${KILLS} worker SIGKILLs during per-address churn: full quota for every address, no stuck worker, sane gauges`, async (t) => {
  let done = false;
  const churns = ADDRS.map((a) => churn(a, () => done));
  let spawnMs;
  try {
    spawnMs = await killWorkers(KILLS);
  } finally {
    done = true;
  }
  const tallies = await Promise.all(churns);
  const tot = { open: 0, refused: 0, lost: 0 };
  for (const x of tallies) for (const k of Object.keys(tot)) tot[k] += x[k];
  spawnMs.sort((a, b) => a - b);
  t.diagnostic(`${KILLS} kills; respawn ms p50 ${spawnMs[KILLS >> 1]} max ${spawnMs[KILLS - 1]}; `
    + `churn over ${ADDRS.length} addresses: ${tot.open} admitted, ${tot.refused} refused, ${tot.lost} lost to kills`);

  // Every client stream is closed: the gauges come back to zero.
  let subs = [];
  for (let i = 0; i < 30; i++) {
    subs = metric(await within(metrics(HTTP), 3000, '/metrics'), 'ssehub_subscribers');
    if (sum(subs) === 0) break;
    await sleep(100);
  }
  t.diagnostic(`subscribers per worker with no stream open: [${subs}]`);
  const idle = subs; // checked below, once the quota figures are printed too
  const h = await within(request(HTTP, { path: '/healthz' }), 3000, '/healthz');
  assert.equal(h.status, 200, `/healthz ${h.status} ${h.body}`);

  // Each address opens its whole quota again, all at once. A burst may
  // land on one worker (Kore's accept lock): then again, up to 5 times,
  // so that both workers' delivery is checked too.
  let streams = [];
  for (let round = 1; ; round++) {
    // Address by address: between the waves the accept lock moves on.
    streams = [];
    const results = [];
    for (const a of ADDRS) {
      const wave = Array.from({ length: QUOTA }, () => streamFrom(a, HTTP, { path: PATH }));
      streams.push(...wave);
      results.push(...await Promise.all(wave.map((s) => opened(s, 5000))));
      await sleep(20);
    }
    await sleep(300);
    const per = ADDRS.map((a, i) => results.slice(i * QUOTA, (i + 1) * QUOTA)
      .filter((r, j) => r === 'open' && !streams[i * QUOTA + j].closed).length);
    subs = metric(await metrics(HTTP), 'ssehub_subscribers');
    t.diagnostic(`round ${round}: streams admitted per address (quota ${QUOTA}) [${per}]; `
      + `subscribers per worker [${subs}]`);
    try {
      assert.equal(sum(idle), 0, `ssehub_subscribers [${idle}] with no stream open`);
      assert.deepEqual(per, ADDRS.map(() => QUOTA), 'every address opens its full quota');
      assert.equal(sum(subs), streams.length, 'ssehub_subscribers equals the open streams');
    } catch (e) {
      for (const s of streams) s.close();
      throw e;
    }
    if (subs.every((n) => n > 0) || round === 5) break;
    for (const s of streams) s.close();
    for (let i = 0; i < 30 && sum(metric(await metrics(HTTP), 'ssehub_subscribers')) > 0; i++) await sleep(100);
  }
  try {
    assert.ok(subs.every((n) => n > 0), `streams on every worker: [${subs}]`);
    // One more is refused: the limit still counts.
    const extra = streamFrom(ADDRS[0], HTTP, { path: PATH });
    assert.equal(await opened(extra), 'refused');
    extra.close();

    // No worker is stuck: publishes are answered, and delivered to the
    // streams of both workers.
    const ids = [];
    for (let i = 0; i < 10; i++) {
      const r = await within(publish(HTTP, { topic: 'kill', data: String(i) }), 5000, 'publish');
      assert.equal(r.status, 201);
      ids.push(r.json.id);
    }
    await Promise.all(streams.map((s) => s.until((x) => x.events.length >= ids.length, 5000, 'delivery')));
    for (const s of streams) assert.deepEqual(s.ids(), ids);
  } finally {
    for (const s of streams) s.close();
  }
});
