// Issue 15: presence. GET /topics (exact within a node across its
// workers, summed over nodes within seconds), a killed worker's streams
// leaving the count, presence=1 frames, private topics, /metrics totals.
// Two nodes of two workers each, sharing the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startServer, stopServer, Stream, request, metrics, metric, sum, sleep,
  streamsOnEveryWorker, workerPids, ONE_ADDRESS_MANY_STREAMS,
} from './lib.mjs';

const A = 19410;
const B = 19412;

before(() => {
  const dir = path.join(ROOT, 'var/itest-presence');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'acl.conf');
  writeFileSync(file, ['subscribe pres-reader-token psecret.*', 'private psecret.*', ''].join('\n'));
  const env = { ...ONE_ADDRESS_MANY_STREAMS, SSEHUB_ACL: file, SSEHUB_KORE_EXTRA: 'workers 2' };
  startServer('presA', A, A + 1, env);
  startServer('presB', B, B + 1, env);
});
after(() => {
  stopServer('presA');
  stopServer('presB');
});

async function topics(port, headers = {}) {
  const r = await request(port, { path: '/topics', headers });
  assert.equal(r.status, 200);
  return JSON.parse(r.body);
}

const countOf = (t, name) => t.topics.find((x) => x.topic === name)?.subscribers ?? 0;

// Polls /topics on port until topic's count is want; returns the ms taken.
async function countReaches(port, name, want, ms) {
  const t0 = Date.now();
  let got;
  while (Date.now() - t0 < ms) {
    got = countOf(await topics(port), name);
    if (got === want) return Date.now() - t0;
    await sleep(50);
  }
  throw new Error(`/topics on ${port}: ${name} is ${got}, not ${want}, after ${ms} ms`);
}

test('within a node the count is exact at once, whichever worker answers', async () => {
  const subs = await streamsOnEveryWorker(A, '/stream?topic=roomA');
  const perWorker = metric(await metrics(A), 'ssehub_subscribers');
  assert.ok(perWorker.filter((n) => n > 0).length === 2, `spread: ${perWorker}`);
  // Many requests: Kore hands them to both workers.
  for (let i = 0; i < 20; i++) assert.equal(countOf(await topics(A), 'roomA'), subs.length);
  for (const s of subs.slice(0, 50)) s.close();
  await countReaches(A, 'roomA', subs.length - 50, 1000);
  for (const s of subs.slice(50)) s.close();
  await countReaches(A, 'roomA', 0, 1000);
  assert.ok(!(await topics(A)).topics.some((t) => t.topic === 'roomA'), 'zero is omitted');
});

test('two nodes, four workers: /topics on either node sums both within seconds', async () => {
  const onA = await streamsOnEveryWorker(A, '/stream?topic=both');
  const onB = await streamsOnEveryWorker(B, '/stream?topic=both');
  const extra = [new Stream(B, { path: '/stream?topic=onlyB' }), new Stream(B, { path: '/stream?topic=onlyB&topic=both' })];
  for (const s of extra) await s.until((x) => x.retry !== null, 3000, 'open');
  const want = onA.length + onB.length + 1;
  const msA = await countReaches(A, 'both', want, 6000);
  const msB = await countReaches(B, 'both', want, 6000);
  console.log(`both nodes agree: A after ${msA} ms, B after ${msB} ms (${want} streams)`);
  assert.equal(countOf(await topics(A), 'onlyB'), 2);
  const total = sum(metric(await metrics(A), 'ssehub_subscribers')) + sum(metric(await metrics(B), 'ssehub_subscribers'));
  assert.equal((await topics(A)).subscribers, total);
  assert.equal((await topics(B)).subscribers, total);
  for (const s of [...onA, ...onB, ...extra]) s.close();
  await countReaches(A, 'both', 0, 6000);
  await countReaches(B, 'both', 0, 6000);
});

test('a killed worker\'s streams leave the count within seconds, on its node and the other', async () => {
  const subs = await streamsOnEveryWorker(A, '/stream?topic=kill');
  await countReaches(B, 'kill', subs.length, 6000);
  const pids = workerPids('presA');
  // Worker 1 writes the node's counts to the database: the hard case.
  process.kill(pids['1'], 'SIGKILL');
  const t0 = Date.now();
  for (;;) {
    const open = subs.filter((s) => !s.closed).length;
    if (open < subs.length && countOf(await topics(A), 'kill') === open) break;
    assert.ok(Date.now() - t0 < 3000, `node A still counts the dead worker's streams after 3 s`);
    await sleep(50);
  }
  const open = subs.filter((s) => !s.closed).length;
  const msA = Date.now() - t0;
  const msB = await countReaches(B, 'kill', open, 10000);
  console.log(`worker 1 of A killed with ${subs.length - open} of ${subs.length} streams: gone on A after ${msA} ms, on B after ${msB + msA} ms`);
  for (const s of subs) s.close();
  await countReaches(B, 'kill', 0, 6000);
});

// A Stream that notes when each event arrived.
function timed(port, p, headers = {}) {
  const s = new Stream(port, { path: p, headers });
  s.at = [];
  const wake = s.wake.bind(s);
  s.wake = () => {
    while (s.at.length < s.events.length) s.at.push(Date.now());
    wake();
  };
  return s;
}

const presence = (s) => s.events.map((e, i) => ({ ...e, at: s.at[i] })).filter((e) => e.event === 'presence');

test('presence=1: a count frame without id when the count changes, at most once a second per topic', async () => {
  const p1 = timed(A, '/stream?topic=watch&topic=quiet&presence=1');
  await p1.until((x) => presence(x).length >= 2, 3000, 'first counts');
  assert.deepEqual(presence(p1).map((e) => JSON.parse(e.data)).sort((a, b) => a.topic.localeCompare(b.topic)),
    [{ topic: 'quiet', subscribers: 1 }, { topic: 'watch', subscribers: 1 }]);
  assert.match(p1.raw, /(^|\n\n)event: presence\ndata: \{"topic":"watch","subscribers":1\}\n\n/);
  const p2 = timed(B, '/stream?topic=watch&presence=1');
  await p1.until((x) => presence(x).some((e) => JSON.parse(e.data).subscribers === 2), 6000, 'two, across nodes');
  await p2.until((x) => presence(x).some((e) => JSON.parse(e.data).subscribers === 2), 6000, 'two on B');
  // A burst of joins: the counts arrive at most once a second.
  const burst = [];
  for (let i = 0; i < 8; i++) {
    burst.push(new Stream(A, { path: '/stream?topic=watch' }));
    await sleep(120);
  }
  await p1.until((x) => presence(x).some((e) => JSON.parse(e.data).subscribers === 10), 6000, 'ten');
  const watch = presence(p1).filter((e) => JSON.parse(e.data).topic === 'watch');
  for (let i = 1; i < watch.length; i++) {
    assert.ok(watch[i].at - watch[i - 1].at >= 800, `two counts ${watch[i].at - watch[i - 1].at} ms apart`);
  }
  // 'quiet' did not change: one frame only.
  assert.equal(presence(p1).filter((e) => JSON.parse(e.data).topic === 'quiet').length, 1);
  for (const s of [p1, p2, ...burst]) s.close();
});

test('presence frames do not move the cursor; presence=1 needs a topic', async () => {
  const s = new Stream(A, { path: '/stream?topic=pc&presence=1' });
  await s.until((x) => x.events.some((e) => e.event === 'presence'), 3000, 'count');
  assert.doesNotMatch(s.raw, /id: /);
  s.close();
  const r = await request(A, { path: '/stream?presence=1' });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).error, /presence=1 needs at least one topic/);
  assert.equal((await request(A, { path: '/stream?topic=x&presence=yes' })).status, 400);
});

test('private topics: /topics shows them only to a token that may read them', async () => {
  const s = new Stream(A, { path: '/stream?topic=psecret.room&topic=open.room', headers: { Authorization: 'Bearer pres-reader-token' } });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const anon = await topics(A);
  assert.equal(countOf(anon, 'open.room'), 1);
  assert.ok(!anon.topics.some((t) => t.topic.startsWith('psecret')));
  const reader = await topics(A, { Authorization: 'Bearer pres-reader-token' });
  assert.equal(countOf(reader, 'psecret.room'), 1);
  const q = JSON.parse((await request(A, { path: '/topics?access_token=pres-reader-token' })).body);
  assert.equal(countOf(q, 'psecret.room'), 1);
  assert.equal((await request(A, { path: '/topics', headers: { Authorization: 'Bearer nope' } })).status, 401);
  await countReaches(B, 'open.room', 1, 6000);
  assert.ok(!(await topics(B)).topics.some((t) => t.topic.startsWith('psecret')));
  s.close();
});

test('/metrics has the totals, never a series per topic', async () => {
  const s = new Stream(A, { path: '/stream?topic=m1&topic=m2' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const text = await metrics(A);
  const subs = Number(/^ssehub_presence_subscribers (\d+)$/m.exec(text)[1]);
  const tops = Number(/^ssehub_presence_topics (\d+)$/m.exec(text)[1]);
  const t = await topics(A);
  assert.equal(subs, t.subscribers);
  assert.ok(tops >= 2);
  assert.doesNotMatch(text, /m1|m2/);
  s.close();
});
