// Resource limits across workers: streams per client address, publish
// rate per token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, Stream, publish, headId, sleep } from './lib.mjs';

const HTTP = 18870;
const HTTPS = 19270 - 2;

before(() => startServer('quota', HTTP, HTTPS, {
  SSEHUB_STREAMS_PER_IP: '3', SSEHUB_PUBLISH_RATE: '20', SSEHUB_RETRY_MS: '1000',
}));
after(() => stopServer('quota'));

test('streams per address: over the limit, a 200 stream that ends at once with a long retry', async () => {
  const open = [];
  for (let i = 0; i < 3; i++) {
    const s = new Stream(HTTP, { path: '/stream?topic=q' });
    await s.until((x) => x.retry !== null, 3000, 'open');
    open.push(s);
  }
  const extra = new Stream(HTTP, { path: '/stream?topic=q' });
  await extra.until((x) => x.closed, 3000, 'refused stream closed');
  assert.equal(extra.status, 200, 'a browser would give up for good on 429/503');
  assert.match(extra.headers['content-type'], /text\/event-stream/);
  assert.ok(extra.retry >= 5000 && extra.retry < 10000, `retry ${extra.retry}`);
  assert.match(extra.raw, /: too many streams from this address/);
  // The three admitted ones are untouched; closing one frees a place.
  for (const s of open) assert.equal(s.closed, false);
  open[0].close();
  await sleep(200);
  const again = new Stream(HTTP, { path: '/stream?topic=q' });
  await again.until((x) => x.retry !== null, 3000, 'open again');
  await sleep(200);
  assert.equal(again.closed, false);
  const r = await publish(HTTP, { topic: 'q', data: 'x' });
  await again.until((x) => x.events.length === 1, 3000, 'delivers');
  assert.equal(Number(again.events[0].id), r.json.id);
  for (const s of [...open, again]) s.close();
});

test('publish rate per token: 429 with Retry-After, nothing stored; refills', async () => {
  await sleep(1100); // a full bucket
  let ok = 0;
  let refused = null;
  const head0 = headId();
  for (let i = 0; i < 30 && !refused; i++) {
    const r = await publish(HTTP, { topic: 'rate', data: String(i) });
    if (r.status === 201) ok++;
    else refused = r;
  }
  assert.ok(ok >= 20 && ok < 30, `${ok} accepted before the limit`);
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.match(refused.json.error, /rate limit/);
  assert.equal(headId(), head0 + ok, 'the refused event was not stored');
  await sleep(1100);
  assert.equal((await publish(HTTP, { topic: 'rate', data: 'later' })).status, 201);
  const big = await publish(HTTP, Array.from({ length: 21 }, () => ({ topic: 'rate', data: 'b' })));
  assert.equal(big.status, 429);
  assert.match(big.json.error, /batch of 21/);
});
