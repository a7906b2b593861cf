// Access control: publish tokens limited to topics, private topics read
// with a token (header or access_token query), replays checked like live
// events, and CORS for listed origins only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TOKEN, startServer, stopServer, Stream, publish, request, headId, sleep, psql } from './lib.mjs';

const HTTP = 18780 + 100;
const HTTPS = 19180;
const ORIGIN = 'https://app.example';

before(() => {
  const dir = path.join(ROOT, 'var/itest-acl');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'acl.conf');
  writeFileSync(file, [
    '# test rules',
    'publish   chat-writer-token chat.* news',
    'subscribe alice-reader-token private.alice.* audit',
    'private   private.* audit',
    `origin    ${ORIGIN}`,
    '',
  ].join('\n'));
  startServer('access', HTTP, HTTPS, { SSEHUB_ACL: file });
});
after(() => stopServer('access'));

const as = (token) => ({ Authorization: `Bearer ${token}` });

test('a limited publish token: its topics 201, others 403, nothing stored', async () => {
  let r = await publish(HTTP, { topic: 'chat.room1', data: 'hi' }, as('chat-writer-token'));
  assert.equal(r.status, 201);
  r = await publish(HTTP, { topic: 'news', data: 'n' }, as('chat-writer-token'));
  assert.equal(r.status, 201);
  const head = headId();
  r = await publish(HTTP, [{ topic: 'chat.x', data: 'ok' }, { topic: 'audit', data: 'no' }], as('chat-writer-token'));
  assert.equal(r.status, 403);
  assert.match(r.json.error, /audit/);
  r = await publish(HTTP, { topic: 'chat.x', data: 'x' }, as('alice-reader-token'));
  assert.equal(r.status, 401, 'a subscribe token cannot publish');
  assert.equal(headId(), head);
});

test('private topics: 403 without a token, 401 with an unknown one, open with the right one', async () => {
  let r = await request(HTTP, { path: '/stream?topic=private.alice.inbox' });
  assert.equal(r.status, 403);
  assert.match(JSON.parse(r.body).error, /private/);
  r = await request(HTTP, { path: '/stream?topic=private.alice.inbox&access_token=nope-nope-nope' });
  assert.equal(r.status, 401);
  r = await request(HTTP, { path: '/stream?topic=private.bob.inbox', headers: as('alice-reader-token') });
  assert.equal(r.status, 403);

  const viaQuery = new Stream(HTTP, { path: '/stream?topic=private.alice.inbox&access_token=alice-reader-token' });
  const viaHeader = new Stream(HTTP, { path: '/stream?topic=private.alice.inbox', headers: as('alice-reader-token') });
  await viaQuery.until((x) => x.retry !== null, 3000, 'open');
  await viaHeader.until((x) => x.retry !== null, 3000, 'open');
  const p = await publish(HTTP, { topic: 'private.alice.inbox', data: 'secret' });
  for (const s of [viaQuery, viaHeader]) {
    await s.until((x) => x.events.length === 1, 3000, 'private event');
    assert.equal(Number(s.events[0].id), p.json.id);
    s.close();
  }
});

test('a stream of every topic skips private ones it may not read, live and replayed', async () => {
  const start = headId();
  const anon = new Stream(HTTP, { path: '/stream' });
  const alice = new Stream(HTTP, { path: '/stream', headers: as('alice-reader-token') });
  await anon.until((x) => x.retry !== null, 3000, 'open');
  await alice.until((x) => x.retry !== null, 3000, 'open');
  const r = await publish(HTTP, [
    { topic: 'public', data: 'p1' }, { topic: 'audit', data: 'a1' },
    { topic: 'private.bob.x', data: 'b1' }, { topic: 'private.alice.x', data: 'al1' }, { topic: 'public', data: 'p2' },
  ]);
  assert.equal(r.status, 201);
  await anon.until((x) => x.events.length >= 2, 3000, 'public events');
  await alice.until((x) => x.events.length >= 4, 3000, 'alice events');
  await sleep(300);
  assert.deepEqual(anon.events.map((e) => e.data), ['p1', 'p2']);
  assert.deepEqual(alice.events.map((e) => e.data), ['p1', 'a1', 'al1', 'p2']);
  anon.close();
  alice.close();

  // Replays (from memory and from the store) apply the same rule.
  const replay = new Stream(HTTP, { path: '/stream', headers: { 'Last-Event-ID': String(start) } });
  await replay.until((x) => x.events.length >= 2, 3000, 'replayed');
  await sleep(300);
  assert.deepEqual(replay.events.map((e) => e.data), ['p1', 'p2']);
  replay.close();
});

test('CORS: the listed origin is echoed with credentials; others get nothing', async () => {
  let r = await request(HTTP, {
    method: 'OPTIONS', path: '/publish',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
  assert.equal(r.status, 204);
  assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.match(r.headers['access-control-allow-headers'], /Authorization/);
  assert.match(r.headers['access-control-allow-headers'], /Last-Event-ID/);
  r = await request(HTTP, { method: 'OPTIONS', path: '/publish', headers: { Origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.headers['access-control-allow-origin'], undefined);

  const s = new Stream(HTTP, { path: '/stream?topic=public', headers: { Origin: ORIGIN } });
  await s.until((x) => x.retry !== null, 3000, 'open');
  assert.equal(s.headers['access-control-allow-origin'], ORIGIN);
  s.close();
  const e = new Stream(HTTP, { path: '/stream?topic=public', headers: { Origin: 'https://evil.example' } });
  await e.until((x) => x.retry !== null, 3000, 'open');
  assert.equal(e.headers['access-control-allow-origin'], undefined);
  e.close();
});

test('two tokens, one Idempotency-Key: each gets its own event', async () => {
  const key = `shared-${process.pid}-${Date.now()}`;
  // The low-privilege token claims the key first ...
  const a = await publish(HTTP, { topic: 'news', data: 'from chat writer' },
    { ...as('chat-writer-token'), 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  // ... the other tenant's publish with the same key is still stored.
  const b = await publish(HTTP, { topic: 'news', data: 'from admin' },
    { ...as(TOKEN), 'Idempotency-Key': key });
  assert.equal(b.status, 201);
  assert.equal(b.headers['idempotent-replayed'], undefined);
  assert.notEqual(b.json.id, a.json.id);
  const rows = psql(`SELECT data FROM ssehub.events WHERE id IN (${a.json.id}, ${b.json.id}) ORDER BY id`);
  assert.deepEqual(rows.split('\n'), ['from chat writer', 'from admin']);
  // Each token's retry is answered from its own key.
  const a2 = await publish(HTTP, { topic: 'news', data: 'from chat writer' },
    { ...as('chat-writer-token'), 'Idempotency-Key': key });
  assert.equal(a2.json.id, a.json.id);
  assert.equal(a2.headers['idempotent-replayed'], 'true');
  const b2 = await publish(HTTP, { topic: 'news', data: 'from admin' },
    { ...as(TOKEN), 'Idempotency-Key': key });
  assert.equal(b2.json.id, b.json.id);
});
