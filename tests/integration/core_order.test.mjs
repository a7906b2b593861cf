// Core promise, publishing from SQL: ids follow commit order. 3,000
// transactions committed one after the other by one psql session must be
// numbered in that order, whoever drains the outbox (two workers of one
// node, or two nodes), and a subscriber sees each once, in that order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, Stream, psql, psqlScript, headId, storedIds, workers, assertIncreasing,
} from './lib.mjs';

const N = 3000;

after(() => {
  for (const name of ['order2w', 'orderA', 'orderB']) stopServer(name);
});

// Rows of the topic above base, by id: [{id, n}], n the commit's number.
function storedSeq(base, topic) {
  const out = psql(`SELECT id, data FROM ssehub.events WHERE id > ${base} AND topic = '${topic}' ORDER BY id`);
  return out === '' ? [] : out.split('\n').map((l) => {
    const [id, n] = l.split('|');
    return { id: Number(id), n: Number(n) };
  });
}

// Commit numbers that come after a larger one (out of commit order).
function outOfOrder(seq) {
  const bad = [];
  let max = -1;
  for (const { id, n } of seq) {
    if (n < max) bad.push(`id ${id} holds commit ${n} after commit ${max}`);
    max = Math.max(max, n);
  }
  return bad;
}

async function commitsInOrder(topic, ports) {
  const subs = ports.map((p) => new Stream(p, { path: `/stream?topic=${topic}` }));
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const base = headId();
  let script = '';
  for (let i = 0; i < N; i++) script += `BEGIN; SELECT ssehub.publish('${topic}', 'n', '${i}'); COMMIT;\n`;
  const t0 = Date.now();
  await psqlScript(script);
  const commitMs = Date.now() - t0;

  for (const s of subs) await s.until((x) => x.events.length >= N, 20000, `all ${N} delivered`);
  const seq = storedSeq(base, topic);
  assert.equal(seq.length, N, 'every commit stored once');
  const bad = outOfOrder(seq);
  const late = subs.map((s) => outOfOrder(s.events.map((e) => ({ id: e.id, n: Number(e.data) }))));
  console.log(`${topic}: ${N} commits in ${commitMs} ms; stored out of commit order: ${bad.length}`
    + `; seen out of commit order by each subscriber: ${late.map((l) => l.length).join(', ')}`
    + (bad.length ? `; first: ${bad.slice(0, 3).join('; ')}` : ''));
  assert.deepEqual(bad, [], `${bad.length} of ${N} ids out of commit order in ssehub.events`);

  for (const [k, s] of subs.entries()) {
    // Every id once, increasing, exactly the stored ones, in commit order.
    assertIncreasing(assert, s.ids(), `subscriber ${k}`);
    assert.deepEqual(s.ids(), storedIds(base, topic), `subscriber ${k}: the stored ids, once each`);
    assert.deepEqual(late[k], [], `subscriber ${k} saw ${late[k].length} commits after later ones`);
    s.close();
  }
}

test('two workers drain the outbox: ids in commit order', { timeout: 60000 }, async () => {
  startServer('order2w', 19100, 19101, workers(2));
  try {
    await commitsInOrder('seq2w', [19100, 19100]);
  } finally {
    stopServer('order2w');
  }
});

test('two nodes drain the outbox: ids in commit order', { timeout: 60000 }, async () => {
  startServer('orderA', 19102, 19103, workers(1));
  startServer('orderB', 19104, 19105, workers(1));
  try {
    await commitsInOrder('seq2n', [19102, 19104]);
  } finally {
    stopServer('orderA');
    stopServer('orderB');
  }
});
