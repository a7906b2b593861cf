// GET /stream: the response, the framing, topics, heartbeats, and a
// stream that outlives Kore's own timeouts, over HTTP/1.1, 1.0 and TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, Stream, publish, request, sleep } from './lib.mjs';

const HTTP = 18180;
const HTTPS = 18543;

before(() => {
  startServer('stream', HTTP, HTTPS, {
    SSEHUB_HEARTBEAT_MS: '1000',
    // Kore's own timeouts made short, so outliving them is quick to prove.
    SSEHUB_KORE_EXTRA: 'http_keepalive_time 2;http_header_timeout 2',
  });
});
after(() => stopServer('stream'));

test('response head: 200 event-stream, no length, no encoding, retry first', async () => {
  const s = new Stream(HTTP, { headers: { 'Accept-Encoding': 'gzip' } });
  await s.until((x) => x.retry !== null, 3000, 'retry');
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  assert.equal(s.headers['cache-control'], 'no-cache');
  assert.equal(s.headers['x-accel-buffering'], 'no');
  assert.equal(s.headers['content-length'], undefined);
  assert.equal(s.headers['content-encoding'], undefined);
  assert.ok(s.raw.startsWith('retry: '), `stream starts with ${JSON.stringify(s.raw.slice(0, 20))}`);
  // SSEHUB_RETRY_MS 2000, spread per stream from half to 1.5 times.
  assert.ok(s.retry >= 1000 && s.retry < 3000, `retry ${s.retry}`);
  s.close();
});

test('multi-line data split on CR, LF and CRLF; fields written with one space', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=frames' });
  await s.until((x) => x.retry !== null);
  const data = 'one\ntwo\r\nthree\rfour\n\n six';
  const r = await publish(HTTP, { topic: 'frames', event: 'multi', data });
  assert.equal(r.status, 201);
  await s.until((x) => x.events.length === 1, 3000, 'event');
  const ev = s.events[0];
  assert.equal(ev.data, 'one\ntwo\nthree\nfour\n\n six');
  assert.equal(ev.event, 'multi');
  assert.equal(Number(ev.id), r.json.id);
  assert.ok(s.raw.includes(`id: ${r.json.id}\ntopic: frames\nevent: multi\ndata: one\ndata: two\ndata: three\ndata: four\ndata: \ndata:  six\n\n`),
    JSON.stringify(s.raw));
  s.close();
});

test('empty data is one empty data line; JSON values arrive verbatim', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=frames2' });
  await s.until((x) => x.retry !== null);
  await publish(HTTP, [{ topic: 'frames2', data: '' }, { topic: 'frames2', data: { a: [1, 'x'] } }]);
  await s.until((x) => x.events.length === 2, 3000, 'two events');
  assert.equal(s.events[0].data, '');
  assert.deepEqual(JSON.parse(s.events[1].data), { a: [1, 'x'] });
  s.close();
});

test('topic filter: only subscribed topics, repeated topic counted once', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=red&topic=blue&topic=red' });
  const all = new Stream(HTTP, { path: '/stream' });
  await s.until((x) => x.retry !== null);
  await all.until((x) => x.retry !== null);
  const r = await publish(HTTP, [
    { topic: 'red', data: 'r' }, { topic: 'green', data: 'g' }, { topic: 'blue', data: 'b' },
  ]);
  assert.equal(r.status, 201);
  await s.until((x) => x.events.length >= 2, 3000, 'red and blue');
  await all.until((x) => x.events.length >= 3, 3000, 'all three');
  await sleep(200);
  assert.deepEqual(s.events.map((e) => e.data), ['r', 'b']);
  assert.deepEqual(s.ids(), [r.json.ids[0], r.json.ids[2]]);
  assert.deepEqual(all.ids(), r.json.ids);
  s.close();
  all.close();
});

test('invalid topic or too many topics: 400 JSON, not a stream', async () => {
  let r = await request(HTTP, { path: '/stream?topic=a%20b' });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).error, /topic/);
  const many = Array.from({ length: 17 }, (_, i) => `topic=t${i}`).join('&');
  r = await request(HTTP, { path: `/stream?${many}` });
  assert.equal(r.status, 400);
  r = await request(HTTP, { method: 'POST', path: '/stream', body: 'x' });
  assert.equal(r.status, 405);
});

test('heartbeat comments arrive on an idle stream', async () => {
  const s = new Stream(HTTP, { path: '/stream?topic=quiet' });
  await s.until((x) => x.comments >= 2, 4000, 'two heartbeats');
  assert.ok(s.raw.includes(': heartbeat\n\n'));
  s.close();
});

test('a stream outlives Kore header and keep-alive timeouts and still delivers', async () => {
  const streams = [
    new Stream(HTTP, { path: '/stream?topic=long' }),
    new Stream(HTTP, { path: '/stream?topic=long', version: '1.0' }),
    new Stream(HTTP, { path: '/stream?topic=long', headers: { Connection: 'close' } }),
    new Stream(HTTPS, { path: '/stream?topic=long', secure: true }),
  ];
  for (const s of streams) await s.until((x) => x.retry !== null, 3000, 'open');
  await sleep(6000); // three times Kore's keep-alive and header timeouts here
  for (const s of streams) assert.equal(s.closed, false);
  const r = await publish(HTTP, { topic: 'long', data: 'still here' });
  for (const s of streams) {
    await s.until((x) => x.events.length === 1, 3000, 'late event');
    assert.equal(Number(s.events[0].id), r.json.id);
    assert.ok(!s.raw.includes('408'), 'no 408 written into the stream');
    s.close();
  }
});

test('TLS: /stream and /publish work over HTTPS', async () => {
  const s = new Stream(HTTPS, { path: '/stream?topic=tls', secure: true });
  await s.until((x) => x.retry !== null, 3000, 'open');
  assert.equal(s.status, 200);
  const r = await request(HTTPS, {
    secure: true, method: 'POST', path: '/publish',
    headers: { Authorization: 'Bearer integration-token-1234', 'Content-Type': 'application/json' },
    body: JSON.stringify({ topic: 'tls', data: 'secure' }),
  });
  assert.equal(r.status, 201);
  await s.until((x) => x.events.length === 1, 3000, 'event over TLS');
  assert.equal(s.events[0].data, 'secure');
  s.close();
});
