// The bus: a commit's events ride in its NOTIFY (ssehub.announce(),
// src/notice.c), so a worker that is up to date does not read them back
// from the table. These tests check that it is so (the /metrics counters
// of carried and read events), that what is too large to carry or not
// heard is read from the table in its place, that the two ways never
// give an event twice or out of order, and that a payload without the
// database's key delivers nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, stopServer, Stream, psql, publish, request, headId, storedIds, metric, metrics,
  streamsOnEveryWorker, assertIncreasing, sleep, sum, workers, ONE_ADDRESS_MANY_STREAMS, DB,
} from './lib.mjs';
import * as pg from '../lib/pg.mjs';

const A = 18130;
const B = 18132;

after(() => {
  for (const name of ['busA', 'busB']) stopServer(name);
});

const quote = (s) => `'${s.replace(/'/g, "''")}'`;

// The SQL of a NOTIFY ssehub_log with a payload as ssehub.announce()
// writes it (src/notice.h), signed in the session that sends it with
// keySql: the mac covers that session's pid and the server's start.
function notifySigned(keySql, first, items) {
  let body = `${first} ${items.length}\n`;
  for (const [t, e, d] of items) body += `${t}\n${e}\n${Buffer.byteLength(d)}\n${d}\n`;
  const b = quote(body);
  return `SELECT pg_notify('ssehub_log', encode(sha256(convert_to(${keySql}, 'UTF8') || sha256(convert_to(`
    + `pg_backend_pid() || ' ' || extract(epoch FROM pg_postmaster_start_time())::text || ' ' || ${b}, 'UTF8'))), 'hex')`
    + ` || ' ' || ${b});`;
}

// A session of a role that may only connect (no right in schema ssehub).
function mallory() {
  psql('DO $$ BEGIN CREATE ROLE bus_mallory LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$');
  return new pg.PsqlSession(`${DB} user=bus_mallory`);
}

const commits = () => Number(psql('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()'));

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
  stopServer('busA');
  stopServer('busB');
});

// A role that may only connect hears every payload (LISTEN needs no
// right: README.md, "Several nodes"), but cannot make one pass: the mac
// is over the whole body, with a key it cannot read.
test('a role with no rights hears payloads but cannot forge or alter one', async () => {
  startServer('busA', A, A + 1, ONE_ADDRESS_MANY_STREAMS);
  const subs = await streamsOnEveryWorker(A, '/stream?topic=victim');
  const m = mallory();
  try {
    m.send('SELECT key FROM ssehub.bus_key;');
    await m.sync();
    for (let i = 0; i < 20 && !m.err.includes('permission denied'); i++) await sleep(100);
    assert.match(m.err, /permission denied/, 'the key is ssehub\'s alone');
    m.send('LISTEN ssehub_log;');
    await m.sync();
    assert.equal((await publish(A, { topic: 'victim', data: 'first' })).status, 201);
    await Promise.all(subs.map((s) => s.until((x) => x.events.length >= 1, 5000, 'first')));
    await sleep(200);
    m.send('SELECT 1;');
    const out = await m.sync();
    const hit = out.match(/Asynchronous notification "ssehub_log" with payload "([0-9a-f]{64}) (\d+) 1\n([^"]*)"/);
    assert.ok(hit, `the role heard the notice: ${out.slice(-300)}`);
    // The next id, with the mac it heard, and the data changed; and the
    // same as a fresh body of its own.
    const next = Number(hit[2]) + 1;
    const body = `${next} 1\nvictim\nmessage\n6\nFORGED\n`;
    m.send(`SELECT pg_notify('ssehub_log', ${quote(`${hit[1]} ${body}`)});`);
    m.send(notifySigned(quote('a guess of the key'), next, [['victim', 'message', 'FORGED']]));
    await m.sync();
    await sleep(300);
    assert.equal((await publish(A, { topic: 'victim', data: 'real' })).status, 201);
    await Promise.all(subs.map((s) => s.until((x) => x.events.length >= 2, 5000, 'the real event')));
    await sleep(300);
    const got = new Set(subs.map((s) => JSON.stringify(s.events.map((e) => e.data))));
    assert.deepEqual([...got], [JSON.stringify(['first', 'real'])], 'every stream: the stored events only');
  } finally {
    m.close();
    for (const s of subs) s.close();
    stopServer('busA');
  }
});

// The second line of defence: a notice with a right mac whose ids this
// log does not have (another database's: a failover's old primary) is
// dropped after one read of the table. It must neither keep the workers
// reading, nor fail /healthz, nor raise the numbering floor.
test('a signed notice of ids the log lacks: one read, then dropped', async () => {
  startServer('busA', A, A + 1, workers(1));
  await sleep(1000);
  const c0 = commits();
  const far = headId() + 1000000;
  psql(notifySigned('(SELECT key FROM ssehub.bus_key)', far, [['x', 'message', 'x']]));
  await sleep(2500);
  const spent = commits() - c0;
  console.log(`transactions in the 2.5 s after a signed notice far ahead: ${spent}`);
  assert.ok(spent < 300, `the worker kept reading the table: ${spent} transactions`);
  for (let i = 0; i < 3; i++) assert.equal((await request(A, { path: '/healthz' })).status, 200);
  // Its connections cut and back: the floor stays where the log is.
  psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  await sleep(3000);
  assert.equal(psql('SELECT lost_through < ' + far + ' FROM ssehub.trim'), 't', 'no ids declared lost up to the notice');
  const r = await publish(A, { topic: 'after', data: 'x' });
  assert.equal(r.status, 201);
  assert.ok(r.json.id < far, `numbering did not jump: ${r.json.id}`);
  stopServer('busA');
});

// Under concurrent publishers, with every event carried, a worker reads
// the table about once a second (its tick), not after every commit.
test('concurrent publishers: the log connections read the table about once a second', async () => {
  startServer('busA', A, A + 1, { ...ONE_ADDRESS_MANY_STREAMS, SSEHUB_DEBUG: '1' });
  const subs = await streamsOnEveryWorker(A, '/stream?topic=load');
  const log = path.join(process.env.SSEHUB_TEST_VAR, 'busA', 'log');
  // A page of the log, as SSEHUB_DEBUG traces it (src/store.c,
  // STORE_SQL_PAGE): the bus reads pages on its log connection.
  const reads = () => fs.readFileSync(log, 'utf8').split('\n')
    .filter((l) => l.includes('db log: PGRES_TUPLES_OK') && l.includes('SELECT o.last, o.gone, e.id')).length;
  const r0 = reads();
  const t0 = Date.now();
  const P = 8;
  const PER = 250;
  await Promise.all(Array.from({ length: P }, async (_, p) => {
    for (let i = 0; i < PER; i++) {
      assert.equal((await publish(A, { topic: 'load', data: `${p}:${i}` })).status, 201);
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  await Promise.all(subs.map((s) => s.until((x) => x.events.length >= P * PER, 20000, 'all events')));
  const n = reads() - r0;
  console.log(`${P * PER} events in ${secs.toFixed(1)} s from ${P} publishers: ${n} reads of the table by the log connections`);
  // The count can see a read: an event too large to carry makes one.
  assert.equal((await publish(A, { topic: 'load', data: 'L'.repeat(5000) })).status, 201);
  await Promise.all(subs.map((s) => s.until((x) => x.events.length > P * PER, 5000, 'the large event')));
  await sleep(200);
  const large = reads() - r0 - n;
  for (const s of subs) s.close();
  stopServer('busA');
  assert.ok(large >= 1, `the large event was read from the table (${large} reads)`);
  assert.ok(n <= 2 * Math.ceil(secs) + 10, `${n} table reads in ${secs.toFixed(1)} s`);
});

// Found by the second review: a real payload, heard by a role without
// the key and sent again after the log lost its ids (a promoted
// asynchronous standby, a restored backup) and no worker handed them on.
// The mac covers the sending backend's pid, so a payload sent again from
// another session does not pass.
test('a payload heard and sent again after the log lost its ids delivers nothing', async () => {
  const m = mallory();
  try {
    startServer('busA', A, A + 1, workers(1));
    m.send('LISTEN ssehub_log;');
    await m.sync();
    const r = await publish(A, { topic: 'replayed', data: 'lost' });
    assert.equal(r.status, 201);
    const x = r.json.id;
    await sleep(300);
    m.send('SELECT 1;');
    const out = await m.sync();
    const hit = out.match(/Asynchronous notification "ssehub_log" with payload "([0-9a-f]{64} \d+ 1\n[^"]*)"/);
    assert.ok(hit, `the role heard the notice: ${out.slice(-300)}`);
    stopServer('busA');
    // The log loses x; the node comes back without having seen it.
    psql(`DELETE FROM ssehub.events WHERE id = ${x}`);
    assert.equal(Number(psql('SELECT ssehub.last_id()')), x - 1);
    startServer('busA', A, A + 1, workers(1));
    await sleep(1500);
    const st = new Stream(A, { path: '/stream?topic=replayed' });
    await st.until((y) => y.retry !== null, 3000, 'open');
    m.send(`SELECT pg_notify('ssehub_log', ${quote(hit[1])});`);
    await m.sync();
    await sleep(500);
    const real = await publish(A, { topic: 'replayed', data: 'real' });
    assert.equal(real.status, 201);
    await st.until((y) => y.events.length >= 1, 5000, 'the real event');
    await sleep(500);
    const got = st.events.map((e) => [Number(e.id), e.data]);
    st.close();
    assert.deepEqual(got, [[real.json.id, 'real']], 'the stream gets the stored event, not the one sent again');
  } finally {
    m.close();
    stopServer('busA');
  }
});
