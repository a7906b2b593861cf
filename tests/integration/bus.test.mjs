// The bus: a commit's events ride in its NOTIFY (ssehub.announce(),
// src/notice.c), so a worker that is up to date does not read them back
// from the table. These tests check that it is so (the /metrics counters
// of carried and read events), that what is too large to carry or not
// heard is read from the table in its place, that the two ways never
// give an event twice or out of order, and that a payload without the
// database's key delivers nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, Stream, psql, publish, headId, storedIds, metric, metrics,
  streamsOnEveryWorker, assertIncreasing, sleep, sum, ONE_ADDRESS_MANY_STREAMS,
} from './lib.mjs';

const A = 18130;
const B = 18132;

after(() => {
  for (const name of ['busA', 'busB']) stopServer(name);
});

async function counters(port) {
  const text = await metrics(port);
  return {
    carried: sum(metric(text, 'ssehub_bus_carried_events_total')),
    read: sum(metric(text, 'ssehub_bus_read_events_total')),
  };
}

// Every stream got exactly the stored ids above base, in order, with the
// stored data.
function checkStreams(subs, base, topic) {
  const want = storedIds(base, topic);
  const rows = psql(`SELECT id, data FROM ssehub.events WHERE id > ${base} AND topic = '${topic}' ORDER BY id`);
  const data = new Map(rows.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf('|');
    return [Number(l.slice(0, i)), l.slice(i + 1)];
  }));
  for (const [k, s] of subs.entries()) {
    assertIncreasing(assert, s.ids(), `stream ${k}`);
    assert.deepEqual(s.ids(), want, `stream ${k}: the stored ids, once each`);
    for (const e of s.events) assert.equal(e.data, data.get(Number(e.id)), `stream ${k}: data of ${e.id}`);
  }
}

test('small events are carried by their NOTIFY: no worker reads them back', async () => {
  startServer('busA', A, A + 1, ONE_ADDRESS_MANY_STREAMS);
  const subs = await streamsOnEveryWorker(A, '/stream?topic=carry');
  const base = headId();
  const before = await counters(A);
  const N = 400;
  // Singles and arrays: one commit, one notice; 50 x 300 bytes, several.
  for (let i = 0; i < N / 2; i++) {
    assert.equal((await publish(A, { topic: 'carry', event: 'e', data: `single ${i}` })).status, 201);
  }
  for (let i = 0; i < 4; i++) {
    const batch = Array.from({ length: 50 }, (_, j) => ({ topic: 'carry', data: `${i}/${j} ${'x'.repeat(300)}` }));
    assert.equal((await publish(A, batch)).status, 201);
  }
  await Promise.all(subs.map((s) => s.until((x) => x.events.length >= N, 15000, `${N} events`)));
  checkStreams(subs, base, 'carry');
  const d = await counters(A);
  const carried = d.carried - before.carried;
  const read = d.read - before.read;
  console.log(`2 workers, ${N} events: ${carried} carried, ${read} read back from the table`);
  // Each of the two workers hands on every event once, one way or the other.
  assert.ok(carried + read >= 2 * N, `every event handed on by both workers (${carried} + ${read})`);
  // The once-a-second head check may read what a notice is about to bring.
  assert.ok(read <= N / 10, `at most a tenth read back from the table (${read} of ${2 * N})`);
  for (const s of subs) s.close();
});

test('an event too large to carry is read from the table, in its place', async () => {
  const subs = [0, 1, 2].map(() => new Stream(A, { path: '/stream?topic=large' }));
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const base = headId();
  const before = await counters(A);
  const big = 'L'.repeat(6000);
  const batch = [
    { topic: 'large', data: 'before' },
    { topic: 'large', data: big },
    { topic: 'large', data: 'after' },
  ];
  assert.equal((await publish(A, batch)).status, 201);
  assert.equal((await publish(A, { topic: 'large', data: `${big}-single` })).status, 201);
  assert.equal((await publish(A, { topic: 'large', data: 'last' })).status, 201);
  await Promise.all(subs.map((s) => s.until((x) => x.events.length >= 5, 10000, '5 events')));
  checkStreams(subs, base, 'large');
  assert.deepEqual(subs[0].events.map((e) => e.data.length), [6, 6000, 5, 6007, 4]);
  const d = await counters(A);
  assert.ok(d.read - before.read >= 2, `the two large events were read from the table (${d.read - before.read})`);
  for (const s of subs) s.close();
});

test('a NOTIFY without the key delivers nothing; the real event with that id does', async () => {
  const subs = [0, 1].map(() => new Stream(A, { path: '/stream?topic=forged' }));
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const base = headId();
  const next = base + 1;
  // Shaped like a real notice for the next id, with another key, then with
  // none; and a bare wake-up far ahead on the old channel.
  psql(`SELECT pg_notify('ssehub_log', '0123456789abcdef0123456789abcdef ${next} 1' || E'\\n' || 'forged' || E'\\n' || 'message' || E'\\n' || '6' || E'\\n' || 'FORGED' || E'\\n')`);
  psql(`SELECT pg_notify('ssehub_log', '${next} 1' || E'\\n' || 'forged' || E'\\n' || 'message' || E'\\n' || '6' || E'\\n' || 'FORGED' || E'\\n')`);
  const commits = () => Number(psql("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"));
  const c0 = commits();
  psql(`SELECT pg_notify('ssehub', '${base + 1000000}')`);
  await sleep(2500);
  // One read of the table for the wake-up, not a read after every read
  // (an id that never comes must not keep the workers reading).
  const spent = commits() - c0;
  console.log(`transactions in the 2.5 s after a wake-up far ahead: ${spent}`);
  assert.ok(spent < 300, `the workers kept reading the table: ${spent} transactions`);
  assert.equal((await publish(A, { topic: 'forged', data: 'real' })).status, 201);
  await Promise.all(subs.map((s) => s.until((x) => x.events.length >= 1, 5000, 'the real event')));
  await sleep(300);
  for (const s of subs) {
    assert.deepEqual(s.events.map((e) => [Number(e.id), e.data]), [[next, 'real']]);
  }
  checkStreams(subs, base, 'forged');
  for (const s of subs) s.close();
  stopServer('busA');
});

test('two nodes: each hands on every event once, from notices, in order', async () => {
  startServer('busA', A, A + 1, ONE_ADDRESS_MANY_STREAMS);
  startServer('busB', B, B + 1, ONE_ADDRESS_MANY_STREAMS);
  const subs = [
    ...[0, 1, 2].map(() => new Stream(A, { path: '/stream?topic=two' })),
    ...[0, 1, 2].map(() => new Stream(B, { path: '/stream?topic=two' })),
  ];
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const base = headId();
  const before = [await counters(A), await counters(B)];
  // Both nodes publish at once: commits interleave between them.
  const N = 300;
  await Promise.all([A, B].map(async (port) => {
    for (let i = 0; i < N / 2; i++) {
      assert.equal((await publish(port, { topic: 'two', data: `${port}:${i}` })).status, 201);
    }
  }));
  await Promise.all(subs.map((s) => s.until((x) => x.events.length >= N, 15000, `${N} events`)));
  checkStreams(subs, base, 'two');
  const after = [await counters(A), await counters(B)];
  const read = after[0].read - before[0].read + after[1].read - before[1].read;
  const carried = after[0].carried - before[0].carried + after[1].carried - before[1].carried;
  console.log(`2 nodes x 2 workers, ${N} events: ${carried} carried, ${read} read back`);
  assert.ok(carried + read >= 4 * N, `every worker handed on every event (${carried} + ${read})`);
  assert.ok(read <= (4 * N) / 10, `at most a tenth read back from the table (${read})`);
  for (const s of subs) s.close();
});
