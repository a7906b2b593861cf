// Core promise under a failed query send: when libpq refuses to queue a
// query (PQsendQuery/PQsendQueryParams return 0, as on a connection that
// broke between two queries), the connection is torn down and retried;
// publishing and live delivery must carry on by themselves, and /healthz
// must not say ok while a worker has stopped following the log.
//
// Faults are injected with tests/integration/fault_shim.c (LD_PRELOAD):
// each call takes one from the count in SSEHUB_FAULT_FILE and fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ROOT, startServer, stopServer, publish, request, psql, sleep, within, workers,
  streamsOnEveryWorker, ONE_ADDRESS_MANY_STREAMS, FAULT_SHIM, injectFaults, faultsLeft,
} from './lib.mjs';

const VAR = process.env.ITEST_VAR || path.join(ROOT, 'var/itest');

// A server whose libpq calls named `only` fail on demand, for the length
// of fn(file), file being its fault control file (count 0). Other
// servers sharing the database would drain the outbox and hide a stuck
// worker: one at a time.
async function withFaultyServer(name, http, nworkers, only, fn) {
  assert.ok(FAULT_SHIM, 'ITEST_FAULT_SHIM: run through tests/integration/run.sh');
  const file = path.join(VAR, `${name}.faults`);
  injectFaults(file, 0);
  startServer(name, http, http + 1, {
    ...workers(nworkers),
    ...ONE_ADDRESS_MANY_STREAMS,
    SSEHUB_PRELOAD: FAULT_SHIM,
    SSEHUB_FAULT_FILE: file,
    SSEHUB_FAULT_ONLY: only,
    SSEHUB_HEARTBEAT_MS: '1000',
  });
  try {
    await fn(file);
  } finally {
    stopServer(name);
  }
}

// The subscribers in which pred does not come true within ms.
async function lateOnes(subs, pred, ms) {
  const r = await Promise.allSettled(subs.map((s) => s.until(pred, ms, 'delivery')));
  return subs.filter((_, i) => r[i].status === 'rejected');
}

async function healthz(port, n = 10) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await request(port, { path: '/healthz' })).status);
  return out;
}

test('a failed send of an append: the next publishes still get their 201', { timeout: 30000 }, async () => {
  const HTTP = 19120;
  await withFaultyServer('fault-append', HTTP, 1, 'PQsendQueryParams', async (file) => {
  const ok = await publish(HTTP, { topic: 'fa', data: 'before' });
  assert.equal(ok.status, 201);

  injectFaults(file, 1);
  const answers = [];
  let got = null;
  const t0 = Date.now();
  try {
    // The one that meets the fault may fail (503); later ones must pass.
    while (!got && Date.now() - t0 < 5000) {
      const r = await within(publish(HTTP, { topic: 'fa', data: `after${answers.length}` }), 3000,
        `POST /publish #${answers.length + 1} after the fault`);
      answers.push(r.status);
      if (r.status === 201) got = r;
      else await sleep(200);
    }
  } catch (e) {
    const h = await healthz(HTTP, 3);
    throw new Error(`${e.message} (earlier answers: ${answers.join(', ') || 'none'}; `
      + `faults left ${faultsLeft(file)}; /healthz: ${h.join(', ')})`);
  }
  assert.equal(faultsLeft(file), 0, 'the fault was met');
  assert.ok(got, `no 201 within 5 s of the fault; answers: ${answers.join(', ')}`);
  assert.equal(Number(psql(`SELECT count(*) FROM ssehub.events WHERE id = ${got.json.id} AND topic = 'fa'`)), 1);
  });
});

// A subscriber on each worker must get every event published after the
// faults, within a few seconds; a worker that stops following the log
// must not be reported healthy.
async function liveAfterFaults({ name, HTTP, nworkers, only, faults, publishFn, what }) {
  await withFaultyServer(name, HTTP, nworkers, only, async (file) => {
    const topic = `live-${name}`;
    const subs = await streamsOnEveryWorker(HTTP, `/stream?topic=${topic}`, nworkers);
    await publishFn(topic, 'warm-up');
    for (const s of subs) await s.until((x) => x.events.length === 1, 3000, 'warm-up event');

    injectFaults(file, faults);
    await publishFn(topic, 'meets the fault');
    await sleep(1000);
    const left = faultsLeft(file);
    injectFaults(file, 0);
    await publishFn(topic, 'after the fault');
    const late = await lateOnes(subs, (x) => x.events.length === 3, 5000);
    const h = await healthz(HTTP);
    const stuck = `${late.length} of ${subs.length} subscribers did not get the events published after `
      + `${what} within 5 s (faults met: ${faults - left} of ${faults}; events of the first late one: `
      + `${late.slice(0, 1).map((s) => s.events.length)} of 3); /healthz answered ${h.join(', ')}`;
    // /healthz must not say ok while a worker does not follow the log...
    if (late.length > 0) assert.ok(!h.every((x) => x === 200), `${stuck}: healthz says ok`);
    // ... and the worker must follow it again by itself.
    assert.equal(late.length, 0, stuck);
    for (const s of subs) {
      assert.deepEqual(s.events.map((e) => e.data), ['warm-up', 'meets the fault', 'after the fault']);
      s.close();
    }
    assert.deepEqual(h, h.map(() => 200), 'healthy again');
  });
}

const sqlAppend = (topic, data) => psql(
  `SELECT ssehub.append(ARRAY['${topic}'], ARRAY['message'], ARRAY['${data}'])`);

test('a failed send of the log fetch: every worker still delivers live events', { timeout: 30000 }, () => liveAfterFaults({
  name: 'fault-fetch',
  HTTP: 19130,
  nworkers: 2,
  only: 'PQsendQueryParams',
  faults: 2, // one for each worker's fetch after the NOTIFY
  publishFn: sqlAppend,
  what: 'a failed fetch of the log',
}));

test('a failed send of the outbox drain: SQL publishes still reach every worker', { timeout: 30000 }, () => liveAfterFaults({
  name: 'fault-drain',
  HTTP: 19140,
  // One worker: on a second one, the first query after the reconnect
  // (also PQsendQuery) could take the second fault.
  nworkers: 1,
  only: 'PQsendQuery',
  faults: 1, // the drain_outbox after the NOTIFY
  publishFn: (topic, data) => psql(`SELECT ssehub.publish('${topic}', 'message', '${data}')`),
  what: 'a failed send of drain_outbox',
}));

test('failed sends of HTTP publishes on a two-worker server: live delivery and publishing carry on', { timeout: 40000 }, async () => {
  const HTTP = 19150;
  await withFaultyServer('fault-mixed', HTTP, 2, 'PQsendQueryParams', async (file) => {
    const topic = 'live-mixed';
    const subs = await streamsOnEveryWorker(HTTP, `/stream?topic=${topic}`);
    // Appends (and the fetches that follow their NOTIFY) meet the faults.
    injectFaults(file, 3);
    const armed = await Promise.all(Array.from({ length: 8 }, (_, i) => within(
      publish(HTTP, { topic, data: `f${i}` }), 3000, 'publish').then((r) => r.status, () => 'hung')));
    const met = 3 - faultsLeft(file);
    injectFaults(file, 0);
    await sleep(500);
    const last = await Promise.all(Array.from({ length: 8 }, (_, i) => within(
      publish(HTTP, { topic, data: `last${i}` }), 3000, 'publish').then((r) => r, () => ({ status: 'hung' }))));
    const h = await healthz(HTTP);
    const lastId = Math.max(0, ...last.filter((r) => r.status === 201).map((r) => r.json.id));
    const late = await lateOnes(subs, (x) => x.ids().includes(lastId), 3000);
    const report = `faults met ${met}; answers while armed: ${armed.join(', ')}; afterwards: `
      + `${last.map((r) => r.status).join(', ')}; ${late.length} of ${subs.length} subscribers without `
      + `the last event (${lastId}); /healthz: ${h.join(', ')}`;
    console.log(report);
    assert.deepEqual(last.map((r) => r.status), last.map(() => 201), report);
    assert.equal(late.length, 0, report);
    for (const s of subs) s.close();
  });
});
