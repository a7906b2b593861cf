// Publishing from SQL inside the application's own transaction
// (ssehub.publish into the outbox; a worker numbers committed rows).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, Stream, publish, psql, headId, storedIds, assertIncreasing, PsqlSession, sleep,
} from './lib.mjs';

const HTTP = 18680;
const HTTPS = 19043;

before(() => startServer('sqlpub', HTTP, HTTPS));
after(() => stopServer('sqlpub'));

test('a rolled-back transaction publishes nothing; a committed one does', async () => {
  const base = headId();
  const s = new Stream(HTTP, { path: '/stream?topic=sqlrb' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  psql("BEGIN; SELECT ssehub.publish('sqlrb', 'message', 'rolled back'); ROLLBACK;");
  psql("BEGIN; SELECT ssehub.publish('sqlrb', 'row', 'committed'); COMMIT;");
  await s.until((x) => x.events.length >= 1, 3000, 'committed event');
  await sleep(300);
  assert.deepEqual(s.events.map((e) => [e.event, e.data]), [['row', 'committed']]);
  assert.equal(psql("SELECT count(*) FROM ssehub.events WHERE data = 'rolled back'"), '0');
  // Replay shows the same: only the committed event.
  const r = new Stream(HTTP, { path: '/stream?topic=sqlrb', headers: { 'Last-Event-ID': String(base) } });
  await r.until((x) => x.events.length >= 1, 3000, 'replay');
  await sleep(200);
  assert.deepEqual(r.events.map((e) => e.data), ['committed']);
  s.close();
  r.close();
});

test('commit to delivery: measured over 20 commits', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=sqllat' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const db = new PsqlSession();
  const lat = [];
  for (let i = 0; i < 20; i++) {
    db.send(`BEGIN; SELECT ssehub.publish('sqllat', 'message', 'n${i}');`);
    await db.sync();
    const t0 = process.hrtime.bigint();
    db.send('COMMIT;');
    await s.until((x) => x.events.length === i + 1, 3000, `event ${i}`);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  db.close();
  lat.sort((a, b) => a - b);
  const p50 = lat[10];
  console.log(`commit-to-delivery ms: p50 ${p50.toFixed(2)} max ${lat[19].toFixed(2)}`);
  // The bound: within 50 ms of COMMIT (LISTEN/NOTIFY, no polling).
  assert.ok(p50 < 50, `p50 ${p50} ms`);
  assertIncreasing(assert, s.ids());
  s.close();
});

test('a transaction held open 5 s blocks no one; its event comes after all others', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=sqllong' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const longTx = new PsqlSession();
  longTx.send("BEGIN; SELECT ssehub.publish('sqllong', 'message', 'long');");
  await longTx.sync();
  const t0 = Date.now();
  // Others publish meanwhile, over HTTP and from SQL.
  for (let i = 0; i < 5; i++) {
    const r = await publish(HTTP, { topic: 'sqllong', data: `http${i}` });
    assert.equal(r.status, 201);
    psql(`SELECT ssehub.publish('sqllong', 'message', 'sql${i}')`);
  }
  await s.until((x) => x.events.length === 10, 3000, 'ten quick events');
  const quick = Date.now() - t0;
  assert.ok(quick < 2000, `other publishers took ${quick} ms behind the open transaction`);
  const before1 = Math.max(...s.ids());
  await sleep(Math.max(0, 5000 - (Date.now() - t0)));
  longTx.send('COMMIT;');
  await longTx.sync();
  longTx.close();
  await s.until((x) => x.events.length === 11, 3000, 'the long event');
  const last = s.events[10];
  assert.equal(last.data, 'long');
  assert.ok(Number(last.id) > before1, 'its id is above everything delivered before');
  assertIncreasing(assert, s.ids());
  assert.deepEqual(s.ids(), storedIds(s.ids()[0] - 1, 'sqllong'));
  s.close();
});

test('the SQL function validates like /publish', () => {
  assert.throws(() => psql("SELECT ssehub.publish('bad topic', 'message', 'x')"), /check constraint/);
  assert.throws(() => psql("SELECT ssehub.publish('t', E'a\\nb', 'x')"), /check constraint/);
});

// The first to publish commits last: ids follow the commits, not the
// publishes, also when both wait in the outbox together (no server to
// drain them between the two commits).
test('overlapping transactions: ids in commit order, not publish order', async () => {
  const base = headId();
  stopServer('sqlpub');
  const a = new PsqlSession();
  const b = new PsqlSession();
  try {
    a.send("BEGIN; SELECT ssehub.publish('sqlorder', 'message', 'a1');");
    await a.sync();
    b.send("BEGIN; SELECT ssehub.publish('sqlorder', 'message', 'b1'); SELECT ssehub.publish('sqlorder', 'message', 'b2'); COMMIT;");
    await b.sync();
    a.send("SELECT ssehub.publish('sqlorder', 'message', 'a2'); COMMIT;");
    await a.sync();
  } finally {
    a.close();
    b.close();
    startServer('sqlpub', HTTP, HTTPS);
  }
  let rows = '';
  for (let i = 0; i < 50 && rows.split('\n').length < 4; i++) {
    await sleep(100);
    rows = psql(`SELECT string_agg(data, ',' ORDER BY id) FROM ssehub.events WHERE id > ${base} AND topic = 'sqlorder'`);
  }
  assert.equal(rows, 'b1,b2,a1,a2');
});

// The commit-time step takes no row lock and updates only its own rows:
// a REPEATABLE READ or SERIALIZABLE application transaction can publish
// while others do, and commits.
test('REPEATABLE READ and SERIALIZABLE transactions publish and commit', async () => {
  const base = headId();
  const s = new Stream(HTTP, { path: '/stream?topic=sqlrr', headers: { 'Last-Event-ID': String(base) } });
  const txs = ['REPEATABLE READ', 'SERIALIZABLE'].map((level) => {
    const p = new PsqlSession();
    p.send(`BEGIN ISOLATION LEVEL ${level}; SELECT count(*) FROM ssehub.events; SELECT ssehub.publish('sqlrr', 'message', '${level}');`);
    return p;
  });
  for (const p of txs) await p.sync();
  for (let i = 0; i < 3; i++) {
    psql(`SELECT ssehub.publish('sqlrr', 'message', 'other${i}')`);
    assert.equal((await publish(HTTP, { topic: 'sqlrr', data: `http${i}` })).status, 201);
  }
  for (const p of txs) {
    p.send('COMMIT;');
    await p.sync();
    assert.doesNotMatch(p.err, /ERROR/, p.err);
    p.close();
  }
  await s.until((x) => x.events.length === 8, 3000, 'eight events');
  assert.deepEqual(s.events.slice(6).map((e) => e.data), ['REPEATABLE READ', 'SERIALIZABLE']);
  assertIncreasing(assert, s.ids());
  s.close();
});
