/*
 * The same client module in Node (fetch, no SharedWorker): a back-end
 * consumer with two subscriptions, getToken() awaited before every
 * connection, `last` served from what the hub has seen, and exactly
 * once across a server SIGKILL and restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../clients/js/ssehub.js';
import { HTTP, publish, server, storedIds } from './lib.mjs';

const RUN = `n${Date.now() % 1e6}`;
const [A, B] = [`${RUN}-a`, `${RUN}-b`];

function until(what, check, timeout = 15000) {
  const end = Date.now() + timeout;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check())
        return resolve();
      if (Date.now() > end)
        return reject(new Error(`timed out: ${what}`));
      setTimeout(poll, 100);
    };
    poll();
  });
}

test('Node: exactly once across SIGKILL, tokens, last', async (t) => {
  let tokens = 0;
  const states = [];
  /* The administrator's token: valid for every topic. */
  const hub = connect({ url: HTTP, getToken: async () => {
    tokens++;
    return process.env.SSEHUB_TOKEN;
  } });
  t.after(() => hub.close());
  hub.on('state', (s) => states.push(s.state));
  assert.equal(hub.mode, 'local');
  const got = { a: [], ab: [] };
  hub.subscribe(A, (ev) => got.a.push(ev));
  hub.subscribe([A, B], (ev) => got.ab.push(ev.id));
  await until('open', () => hub.state.state === 'open');

  const first = await publish([A, B, A, B].map((topic) => ({ topic, data: topic })));
  await until('4 events', () => got.ab.length === 4);

  /* A late subscription with last: from the hub's memory. */
  const late = [];
  hub.subscribe(B, (ev) => late.push(ev), { last: 1 });
  await until('last: 1', () => late.length === 1);
  assert.deepEqual(late.map((e) => [e.id, e.topic, e.replayed]),
      [[first[3], B, true]]);

  server('kill');
  await until('reconnecting', () => hub.state.state === 'reconnecting');
  server('start');
  await until('open again', () => hub.state.state === 'open');
  const more = await publish([B, A].map((topic) => ({ topic, data: topic })));
  await until('6 events', () => got.ab.length === 6);
  await new Promise((r) => setTimeout(r, 300));

  const last = more.at(-1);
  assert.deepEqual(got.a.map((e) => e.id), storedIds(first[0], last, [A]));
  assert.ok(got.a.every((e) => e.topic === A && e.event === 'message'));
  assert.deepEqual(got.ab, storedIds(first[0], last, [A, B]));
  assert.deepEqual(late.map((e) => e.id), [first[3], more[0]]);
  assert.ok(tokens >= 2, `getToken before each connection (${tokens})`);
  hub.close();
  assert.equal(states.at(-1), 'closed');
});
