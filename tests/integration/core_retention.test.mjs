// Core promise under retention: a client that falls behind the trim point
// must be told (an `event: reset` frame: id the last trimmed id, data the
// oldest kept id), never skipped silently. Retention keeps 1,000 events,
// a publisher adds ~2,000 a second, a client reads ~100 a second from a
// cursor near the oldest kept id.
//
// NOT reproduced on today's code: loopback buffers take the ~1,000 kept
// events (3 kB each) at once, so the replay reaches the head, the client
// turns live and is cut off as a slow consumer (by design, it resumes with
// Last-Event-ID and gets a reset) before the trim can pass its cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, Stream, publish, psql, sleep } from './lib.mjs';

const HTTP = 19170;
const TOPIC = 'ret3';
// Events/s the client reads: with 3 kB events, loopback buffers (a few
// MB) hold ~1,500 events, which it must read through before meeting the
// trim point within the test's 45 s.
const RATE = 300;

before(() => startServer('coreret', HTTP, HTTP + 1, { SSEHUB_RETAIN_EVENTS: '1000' }));
after(() => stopServer('coreret'));

test('a slow replay behind retention gets a reset for every trimmed event it misses', { timeout: 70000 }, async () => {
  // Large events: what the kernel buffers for the client is fewer events.
  const data = 'x'.repeat(3000);
  const batch = (n) => Array.from({ length: n }, () => ({ topic: TOPIC, data }));
  const acked = [];
  for (let i = 0; i < 150; i++) acked.push(...(await publish(HTTP, batch(20))).json.ids);
  await sleep(1500); // the first trim
  const oldest = Number(psql('SELECT trimmed_through FROM ssehub.trim')) + 1;

  let stop = false;
  const publisher = (async () => {
    // 20 events (60 kB, under the body limit) each 10 ms: ~2,000 a second.
    const t0 = Date.now();
    while (!stop) {
      const r = await publish(HTTP, batch(20));
      assert.equal(r.status, 201);
      acked.push(...r.json.ids);
      await sleep(Math.max(0, acked.length / 2 - (Date.now() - t0) - 1500));
    }
  })();
  const s = new Stream(HTTP, { path: `/stream?topic=${TOPIC}`, headers: { 'Last-Event-ID': String(oldest) }, rate: RATE });
  // Loopback buffers hold a few MB (~1,500 events) sent at once: the
  // client must read past them to meet the trim point.
  await sleep(45000);
  stop = true;
  await publisher;
  s.close();

  // Walk the stream: every acked id between two received ones must be
  // covered by a reset received between them.
  const ackedSet = acked.sort((a, b) => a - b);
  let prev = oldest;
  let covered = 0;
  let resets = 0;
  const silent = [];
  let i = ackedSet.findIndex((id) => id > prev);
  for (const e of s.events) {
    if (e.event === 'reset') {
      resets++;
      assert.equal(Number(e.data), Number(e.id) + 1, `reset ${e.id}: data is the oldest kept id`);
      covered = Math.max(covered, Number(e.id));
      continue;
    }
    const id = Number(e.id);
    assert.ok(id > prev, `ids not increasing: ${prev} then ${id}`);
    for (; i >= 0 && i < ackedSet.length && ackedSet[i] < id; i++) {
      if (ackedSet[i] > covered) silent.push(ackedSet[i]);
    }
    i++;
    prev = id;
  }
  const got = s.ids();
  console.log(`published ${acked.length}; client got ${got.length} events (${got[0]}..${got.at(-1)}), `
    + `${resets} resets; ids missed without a reset: ${silent.length}`
    + (silent.length ? ` (first ${silent.slice(0, 3).join(', ')}; last ${silent.at(-1)})` : ''));
  assert.ok(got.length > 500, `the client read ${got.length} events`);
  assert.deepEqual(silent.slice(0, 10), [], `${silent.length} ids skipped silently (no reset frame covers them)`);
});
