// Several ssehub nodes sharing one PostgreSQL: LISTEN/NOTIFY as the bus,
// the table as the history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, killServer, Stream, publish, storedIds, headId, assertIncreasing } from './lib.mjs';

const A = 18980 - 200;
const B = A + 1;

before(() => {
  startServer('nodeA', A, A + 400);
  startServer('nodeB', B, B + 400);
});
after(() => {
  stopServer('nodeA');
  stopServer('nodeB');
});

test('an event published on node A reaches subscribers on node B', async () => {
  const onB = new Stream(B, { path: '/stream?topic=cross' });
  const onA = new Stream(A, { path: '/stream?topic=cross' });
  await onB.until((x) => x.retry !== null, 3000, 'open B');
  await onA.until((x) => x.retry !== null, 3000, 'open A');
  const ids = [];
  for (let i = 0; i < 20; i++) {
    const r = await publish(i % 2 ? A : B, { topic: 'cross', data: `n${i}` });
    ids.push(r.json.id);
  }
  for (const s of [onA, onB]) {
    await s.until((x) => x.events.length === 20, 3000, 'twenty');
    assert.deepEqual(s.ids(), ids);
    s.close();
  }
});

test('a client may reconnect to any node with its Last-Event-ID', async () => {
  const s = new Stream(A, { path: '/stream?topic=hop' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const first = await publish(A, [{ topic: 'hop', data: '1' }, { topic: 'hop', data: '2' }]);
  await s.until((x) => x.events.length === 2, 3000, 'two on A');
  killServer('nodeA');
  const more = await publish(B, [{ topic: 'hop', data: '3' }, { topic: 'hop', data: '4' }]);
  const r = new Stream(B, { path: '/stream?topic=hop', headers: { 'Last-Event-ID': String(s.ids().at(-1)) } });
  await r.until((x) => x.events.length === 2, 3000, 'resumed on B');
  assert.deepEqual(r.ids(), more.json.ids);
  assertIncreasing(assert, [...s.ids(), ...r.ids()]);
  assert.deepEqual([...s.ids(), ...r.ids()], storedIds(first.json.ids[0] - 1, 'hop'));
  r.close();
  startServer('nodeA', A, A + 400);
});

test('concurrent publishers on both nodes: every subscriber sees every id once, in order', async () => {
  const subs = [A, B, A, B].map((p) => new Stream(p, { path: '/stream?topic=both' }));
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const base = headId();
  await Promise.all([A, B, A, B, A, B].map(async (p) => {
    for (let i = 0; i < 30; i++) {
      const r = await publish(p, { topic: 'both', data: `${p}-${i}` });
      assert.equal(r.status, 201);
    }
  }));
  const expected = storedIds(base, 'both');
  assert.equal(expected.length, 180);
  for (const s of subs) {
    await s.until((x) => x.events.length >= 180, 5000, 'all 180');
    assert.deepEqual(s.ids(), expected);
    s.close();
  }
});
