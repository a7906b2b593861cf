// Replay by cursor: header and query, resets, a publish racing the
// reconnect, and resumption after SIGTERM and SIGKILL of the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, killServer, Stream, publish, psql, storedIds, headId,
  assertIncreasing, sleep,
} from './lib.mjs';

const HTTP = 18280;
const HTTPS = 18643;
const ENV = { SSEHUB_HEARTBEAT_MS: '1000', SSEHUB_RING: '64' };

before(() => startServer('replay', HTTP, HTTPS, ENV));
after(() => stopServer('replay'));

async function publishN(topic, n, prefix = 'e') {
  const events = Array.from({ length: n }, (_, i) => ({ topic, data: `${prefix}${i}` }));
  const r = await publish(HTTP, events);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.ids;
}

test('Last-Event-ID header replays every later event of the topic, in order', async () => {
  const ids = await publishN('rp1', 10);
  const s = new Stream(HTTP, { path: '/stream?topic=rp1', headers: { 'Last-Event-ID': String(ids[3]) } });
  await s.until((x) => x.events.length === 6, 3000, 'six replayed');
  assert.deepEqual(s.ids(), ids.slice(4));
  s.close();
});

test('last_event_id query works; the header wins over it', async () => {
  const ids = await publishN('rp2', 5);
  const q = new Stream(HTTP, { path: `/stream?topic=rp2&last_event_id=${ids[1]}` });
  const h = new Stream(HTTP, {
    path: `/stream?topic=rp2&last_event_id=${ids[0]}`,
    headers: { 'Last-Event-ID': String(ids[3]) },
  });
  await q.until((x) => x.events.length === 3, 3000, 'query replay');
  await h.until((x) => x.events.length === 1, 3000, 'header replay');
  await sleep(200);
  assert.deepEqual(q.ids(), ids.slice(2));
  assert.deepEqual(h.ids(), ids.slice(4));
  q.close();
  h.close();
});

test('replay older than the in-memory window pages through PostgreSQL', async () => {
  // The window holds 64 events here; 1200 is more than two store pages.
  const first = await publishN('deep', 600, 'a');
  await publishN('deep', 600, 'b');
  const s = new Stream(HTTP, { path: '/stream?topic=deep', headers: { 'Last-Event-ID': String(first[0] - 1) } });
  await s.until((x) => x.events.length === 1200, 10000, '1200 replayed');
  assert.deepEqual(s.ids(), storedIds(first[0] - 1, 'deep'));
  s.close();
});

test('malformed cursors get an explicit reset, then what is kept', async () => {
  for (const bad of ['abc', '-5', '123456789012345678901234567890', '1.5']) {
    const s = new Stream(HTTP, { path: `/stream?topic=none-such&last_event_id=${encodeURIComponent(bad)}` });
    await s.until((x) => x.events.length >= 1, 3000, `reset for ${bad}`);
    assert.equal(s.events[0].event, 'reset', bad);
    assert.equal(s.events[0].data, String(Number(psql('SELECT trimmed_through FROM ssehub.trim')) + 1));
    s.close();
  }
});

test('a cursor older than what is kept: reset with the oldest kept id', async () => {
  const ids = await publishN('trim', 4);
  await publishN('filler', 100); // push them out of the in-memory window
  // Trim as retention would: delete a prefix and record how far it went.
  psql(`BEGIN; DELETE FROM ssehub.events WHERE id <= ${ids[1]};
        UPDATE ssehub.trim SET trimmed_through = ${ids[1]}; COMMIT;`);
  try {
    const s = new Stream(HTTP, { path: '/stream?topic=trim', headers: { 'Last-Event-ID': String(ids[0] - 1) } });
    await s.until((x) => x.events.length === 3, 3000, 'reset then two');
    assert.equal(s.events[0].event, 'reset');
    assert.equal(s.events[0].data, String(ids[1] + 1));
    assert.equal(s.events[0].id, String(ids[1]));
    assert.deepEqual(s.ids(), ids.slice(2));
    s.close();
    // A cursor exactly at the trim point is still honoured, no reset.
    const ok = new Stream(HTTP, { path: '/stream?topic=trim', headers: { 'Last-Event-ID': String(ids[1]) } });
    await ok.until((x) => x.events.length === 2, 3000, 'two');
    assert.deepEqual(ok.events.map((e) => e.event), ['message', 'message']);
    ok.close();
  } finally {
    psql('UPDATE ssehub.trim SET trimmed_through = 0');
  }
});

test('a cursor beyond the last id is unknown: reset', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=nothing', headers: { 'Last-Event-ID': String(headId() + 1000) } });
  await s.until((x) => x.events.length >= 1, 3000, 'reset');
  assert.equal(s.events[0].event, 'reset');
  s.close();
});

test('publishes racing reconnects: no gap, no duplicate', async () => {
  const base = headId();
  let stop = false;
  const acked = [];
  const publisher = (async () => {
    while (!stop) {
      const r = await publish(HTTP, [{ topic: 'race', data: 'x' }, { topic: 'race', data: 'y' }]);
      acked.push(...r.json.ids);
    }
  })();
  // Reconnect over and over from wherever the last stream stopped.
  const seen = [];
  let cursor = base;
  for (let i = 0; i < 25; i++) {
    const s = new Stream(HTTP, { path: '/stream?topic=race', headers: { 'Last-Event-ID': String(cursor) } });
    await s.until((x) => x.events.length >= 3, 5000, 'some events');
    s.close();
    await sleep(5);
    const got = s.ids();
    seen.push(...got);
    cursor = got[got.length - 1];
  }
  stop = true;
  await publisher;
  assertIncreasing(assert, seen, 'race');
  const stored = storedIds(base, 'race').filter((id) => id <= cursor);
  assert.deepEqual(seen, stored);
  assert.ok(seen.length > 50, `only ${seen.length} events seen`);
});

async function restartResumes(stopHow) {
  const s = new Stream(HTTP, { path: '/stream?topic=crash' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const before1 = await publishN('crash', 5, 'pre');
  await s.until((x) => x.events.length === 5, 3000, 'pre events');
  stopHow('replay');
  await s.until((x) => x.closed, 5000, 'stream closed by the stop');
  startServer('replay', HTTP, HTTPS, ENV);
  const during = await publishN('crash', 5, 'post');
  const last = s.ids().at(-1);
  const r = new Stream(HTTP, { path: '/stream?topic=crash', headers: { 'Last-Event-ID': String(last) } });
  await r.until((x) => x.events.length === 5, 3000, 'resumed');
  assert.deepEqual(s.ids(), before1);
  assert.deepEqual(r.ids(), during);
  r.close();
}

test('after SIGTERM the client resumes with Last-Event-ID: nothing lost', () => restartResumes(stopServer));

test('SIGTERM ends every stream with a spread-out retry', async () => {
  const streams = Array.from({ length: 20 }, () => new Stream(HTTP, { path: '/stream?topic=bye' }));
  for (const s of streams) await s.until((x) => x.retry !== null, 3000, 'open');
  stopServer('replay');
  const retries = [];
  for (const s of streams) {
    await s.until((x) => x.closed, 5000, 'closed');
    const all = [...s.raw.matchAll(/^retry: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(all.length, 2, 'a retry at the start and one at shutdown');
    retries.push(all[1]);
  }
  startServer('replay', HTTP, HTTPS, ENV);
  for (const r of retries) assert.ok(r >= 1000 && r < 3000, `retry ${r}`);
  assert.ok(new Set(retries).size >= 15, `retries spread: ${retries}`);
});

test('after SIGKILL the client resumes with Last-Event-ID: nothing lost', () => restartResumes(killServer));
