// The HTTP/2 front: every path of ssehub through it, over h2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { FRONT, CurlStream, h2request, publish } from './lib.mjs';

const TOPIC = `h2front${process.pid}`;

test('ALPN h2; dashboard, assets, /healthz and /metrics through the front', async () => {
  const idx = await h2request(FRONT, { path: '/' });
  assert.equal(idx.alpn, 'h2');
  assert.equal(idx.status, 200);
  assert.match(idx.headers['content-type'], /^text\/html/);
  assert.match(idx.body.toString(), /<script type="module" src="\/app.js">/);

  // Assets keep ssehub's strong ETag (no gzip in the front, which would
  // weaken it), so a browser's revalidation gets 304.
  const js = await h2request(FRONT, { path: '/app.js', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assert.equal(js.headers['content-encoding'], undefined);
  const etag = js.headers.etag;
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  const again = await h2request(FRONT, { path: '/app.js', headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);

  const h = await h2request(FRONT, { path: '/healthz' });
  assert.equal(h.status, 200);
  assert.deepEqual(JSON.parse(h.body), { status: 'ok' });
  const m = await h2request(FRONT, { path: '/metrics' });
  assert.equal(m.status, 200);
  assert.match(m.body.toString(), /ssehub_subscribers/);
});

test('/publish through the front: 201 with ids, errors pass through', async () => {
  const ok = await publish(FRONT, [{ topic: TOPIC, data: 'a' }, { topic: TOPIC, data: 'b' }]);
  assert.equal(ok.status, 201);
  assert.equal(ok.json.ids.length, 2);
  const bad = await publish(FRONT, { topic: TOPIC, data: 'x' }, 'wrong-token-123');
  assert.equal(bad.status, 401);
  assert.ok(bad.json.error);
  const big = await publish(FRONT, { topic: TOPIC, data: 'x'.repeat(70000) });
  assert.equal(big.status, 413);
});

test('the event stream is never compressed, not even when the client asks', async () => {
  const session = http2.connect(`https://127.0.0.1:${FRONT}`, { rejectUnauthorized: false });
  try {
    const req = session.request({ ':path': `/stream?topic=${TOPIC}`, 'accept-encoding': 'gzip, deflate, br' });
    const [headers, first] = await Promise.all([
      new Promise((resolve) => req.once('response', resolve)),
      new Promise((resolve) => req.once('data', resolve)),
    ]);
    assert.equal(headers[':status'], 200);
    assert.match(headers['content-type'], /^text\/event-stream/);
    assert.equal(headers['content-encoding'], undefined);
    assert.equal(headers['content-length'], undefined);
    assert.match(first.toString(), /^retry: \d+\n\n/, 'the stream starts with plain-text retry:');
    req.close();
  } finally {
    session.destroy();
  }
});

test('replay through the front: Last-Event-ID header, and last_event_id query', async () => {
  const r = await publish(FRONT, [1, 2, 3, 4].map((i) => ({ topic: TOPIC, event: 'replay', data: `r${i}` })));
  assert.equal(r.status, 201);
  const [a, b, c, d] = r.json.ids;

  const byHeader = new CurlStream(`https://127.0.0.1:${FRONT}/stream?topic=${TOPIC}`, {
    headers: { 'Last-Event-ID': String(b) }, maxTime: 10,
  });
  await byHeader.until((x) => x.frames().length >= 2, 5000, 'replay by header');
  assert.deepEqual(byHeader.frames().map((f) => Number(f.id)), [c, d]);
  assert.deepEqual(byHeader.frames().map((f) => f.data), ['r3', 'r4']);

  const byQuery = new CurlStream(`https://127.0.0.1:${FRONT}/stream?topic=${TOPIC}&last_event_id=${a}`, { maxTime: 10 });
  await byQuery.until((x) => x.frames().length >= 3, 5000, 'replay by query');
  assert.deepEqual(byQuery.frames().map((f) => Number(f.id)), [b, c, d]);

  // Then live, no gap, no duplicate.
  const live = await publish(FRONT, { topic: TOPIC, event: 'replay', data: 'live' });
  await byHeader.until((x) => x.frames().length >= 3, 3000, 'live after replay');
  assert.deepEqual(byHeader.frames().map((f) => Number(f.id)), [c, d, live.json.id]);
  byHeader.close();
  byQuery.close();
});
