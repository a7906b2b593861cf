/*
 * The stream against a fake fetch: the watchdog drops a silent
 * connection and the guess of the heartbeat grows, getToken() comes
 * before every connection, retry: sets the back-off, a 400 is final.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stream } from '../ssehub-stream.js';

/* A fetch whose every answer sends `text` and then stays silent. */
function fakeFetch(text, status = 200) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), auth: init.headers.authorization });
    const body = new ReadableStream({ start(c) {
      c.enqueue(new TextEncoder().encode(text));
      init.signal.addEventListener('abort', () => c.error(
          init.signal.reason));
    } });
    return new Response(body, { status, headers:
        { 'content-type': 'text/event-stream' } });
  };
  return { fetch, calls };
}

function stream(fetch, extra = {}) {
  const states = [];
  let tokens = 0;
  const s = new Stream({ url: 'http://h:1', fetch, heartbeatMs: 40,
      getToken: async () => `tok${++tokens}`,
      target: () => ({ topics: ['a', 'b'], cursor: 7 }),
      opened() {}, event() {}, flush() {},
      state: (st) => states.push(st), ...extra });
  return { s, states };
}

const until = async (check) => {
  for (let i = 0; i < 200 && !check(); i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
};

test('a silent connection is dropped; the guess doubles', async () => {
  const { fetch, calls } = fakeFetch('retry: 10\n\n');
  const { s, states } = stream(fetch);
  s.restart();
  await until(() => calls.length >= 3);
  s.close();
  assert.equal(calls[0].url,
      'http://h:1/stream?topic=a&topic=b&last_event_id=7');
  assert.deepEqual(calls.slice(0, 3).map((c) => c.auth),
      ['Bearer tok1', 'Bearer tok2', 'Bearer tok3']);
  assert.ok(states.some((st) => /^no data for/.test(st.error)));
  assert.ok(s.heartbeatMs >= 160, `guess ${s.heartbeatMs}`);
  assert.equal(states.at(-1).state, 'closed');
});

test('heartbeats in a row set the period; retry the back-off', () => {
  const { s } = stream(fakeFetch('').fetch);
  s.lastBeat = Date.now() - 1000;
  s.beat('heartbeat');
  assert.ok(s.heartbeatMs >= 1000 && s.heartbeatMs < 1100);
  assert.equal(s.learned, true);
  s.retryMs = 1000;
  for (const [attempt, lo, hi] of [[1, 500, 1500], [3, 2000, 6000],
      [9, 7500, 22500]]) {
    s.info.attempt = attempt;
    const ms = s.backoff();
    assert.ok(ms >= lo && ms < hi, `attempt ${attempt}: ${ms}`);
  }
});

test('400 is final; 401 without getToken refresh too', async () => {
  for (const [status, extra] of [[400, {}], [401, {}]]) {
    const { fetch } = fakeFetch('', status);
    const { s, states } = stream(fetch, extra);
    s.restart();
    await until(() => states.at(-1)?.state === 'closed');
    assert.equal(states.at(-1).error, `HTTP ${status}`);
  }
});
