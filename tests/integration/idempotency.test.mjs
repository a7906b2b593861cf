// Idempotency-Key on POST /publish: a retry never creates a second event,
// across a restart, and a reused key with another body is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, killServer, publish, psql, headId } from './lib.mjs';

const HTTP = 18580;
const HTTPS = 18943;

before(() => startServer('idem', HTTP, HTTPS));
after(() => stopServer('idem'));

const unique = () => `key-${process.pid}-${Date.now()}-${Math.random()}`;

function countKey(key) {
  // Stored as "<token digest>:<key>": keys are scoped by token.
  return Number(psql(`SELECT count(*) FROM ssehub.idempotency WHERE split_part(key, ':', 2) = '${key}'`));
}

test('a repeated key returns the same id and stores nothing new', async () => {
  const key = unique();
  const body = { topic: 'idem', data: 'once' };
  const a = await publish(HTTP, body, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  assert.equal(a.headers['idempotent-replayed'], undefined);
  const head = headId();
  const b = await publish(HTTP, body, { 'Idempotency-Key': key });
  assert.equal(b.status, 201);
  assert.equal(b.json.id, a.json.id);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.equal(headId(), head, 'nothing appended by the repeat');
  assert.equal(countKey(key), 1);
});

test('the answer survives a SIGKILL and restart of the server', async () => {
  const key = unique();
  const body = [{ topic: 'idem', data: 'a' }, { topic: 'idem', data: 'b' }];
  const a = await publish(HTTP, body, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  killServer('idem');
  startServer('idem', HTTP, HTTPS);
  const head = headId();
  const b = await publish(HTTP, body, { 'Idempotency-Key': key });
  assert.equal(b.status, 201);
  assert.deepEqual(b.json.ids, a.json.ids);
  assert.equal(headId(), head);
  assert.equal(Number(psql(`SELECT count(*) FROM ssehub.events WHERE id BETWEEN ${a.json.ids[0]} AND ${a.json.ids[1]}`)), 2);
});

test('the same key with another body gets 422 and stores nothing', async () => {
  const key = unique();
  const a = await publish(HTTP, { topic: 'idem', data: 'first' }, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  const head = headId();
  const b = await publish(HTTP, { topic: 'idem', data: 'second' }, { 'Idempotency-Key': key });
  assert.equal(b.status, 422);
  assert.match(b.json.error, /Idempotency-Key/);
  assert.equal(headId(), head);
});

test('concurrent requests with one key: one event, one id for all', async () => {
  const key = unique();
  const head = headId();
  const rs = await Promise.all(Array.from({ length: 10 }, () =>
    publish(HTTP, { topic: 'idem', data: 'race' }, { 'Idempotency-Key': key })));
  for (const r of rs) assert.equal(r.status, 201);
  assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
  assert.equal(headId(), head + 1);
});

test('a malformed key is refused with 400', async () => {
  const head = headId();
  const r = await publish(HTTP, { data: 'x' }, { 'Idempotency-Key': 'k'.repeat(129) });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /Idempotency-Key/);
  assert.equal(headId(), head);
});
