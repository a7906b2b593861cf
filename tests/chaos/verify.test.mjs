// The chaos checker on hand-made recordings: each kind of violation is
// found where it is, and a clean or legitimately reset stream passes.
// Run by tests/chaos/run.sh before the chaos run.

import test from 'node:test';
import assert from 'node:assert/strict';
import { verify } from './verify.mjs';

// A history of ids 1..n: topic a on odd ids, b on even ones.
function history(n, { trimmed = 0 } = {}) {
  const rows = new Map();
  const tags = new Map();
  for (let id = 1; id <= n; id++) {
    rows.set(id, { topic: id % 2 ? 'a' : 'b', event: 'http', hash: id * 7, tag: `t${id}` });
    tags.set(`t${id}`, [id]);
  }
  return { rows, tags, head: n, trimmed, unobserved: new Set(), holes: [] };
}

// frames: ids, or ['reset', id] / [id, hash]; a '|' starts a new stream.
function sub(topics, frames, start = 0) {
  const s = { topics, start, ids: [], types: [], hashes: [], streams: [], streamCursors: [start], label: () => 'sub' };
  let cursor = start;
  for (const fr of frames) {
    if (fr === '|') {
      s.streamCursors.push(cursor);
      continue;
    }
    const [id, type, hash] = Array.isArray(fr) && fr[0] === 'reset' ? [fr[1], 'reset', 0]
      : Array.isArray(fr) ? [fr[0], 'http', fr[1]] : [fr, 'http', fr * 7];
    s.ids.push(id);
    s.types.push(type);
    s.hashes.push(hash);
    s.streams.push(s.streamCursors.length - 1);
    cursor = Math.max(cursor, id);
  }
  return s;
}

const ledger = (n) => ({ http: Array.from({ length: n }, (_, i) => ({ tags: [`t${i + 1}`], ids: [i + 1], sentAt: i * 10, doneAt: i * 10 + 5 })), sql: [] });
const run = (subs, h = history(10), l = ledger(10)) => verify({ subs, ledger: l, history: h }).findings.counts;

test('a complete stream, across reconnects, passes', () => {
  assert.deepEqual(run([sub(null, [1, 2, 3, '|', 4, 5, 6, 7, 8, 9, 10]), sub(['a'], [1, 3, 5, '|', 7, 9])]), {});
});

test('a gap is missing, a repeat duplicated, a step back reordered', () => {
  assert.deepEqual(run([sub(null, [1, 2, 4, 5, 6, 7, 8, 9, 10])]), { missing: 1 });
  assert.deepEqual(run([sub(null, [1, 2, 3, 4, '|', 4, 5, 6, 7, 8, 9, 10])]), { duplicated: 1 });
  assert.deepEqual(run([sub(null, [1, 2, 4, 3, 5, 6, 7, 8, 9, 10])]), { reordered: 1 });
});

test('a gap under a reset is legitimate only up to the reset id', () => {
  const h = history(10, { trimmed: 6 });
  assert.deepEqual(run([sub(null, [1, 2, '|', ['reset', 6], 7, 8, 9, 10])], h), {});
  assert.deepEqual(run([sub(null, [1, 2, '|', ['reset', 5], 7, 8, 9, 10])], h), { missing: 1 });
  assert.deepEqual(run([sub(null, [1, 2, '|', ['reset', 8], 9, 10])], h), { 'reset-uncaused': 1 });
  assert.deepEqual(run([sub(null, [1, 2, 3, ['reset', 2], 4, 5, 6, 7, 8, 9, 10])], h), { 'reset-backwards': 1 });
});

test('data, topic, phantom ids and a stream that stops early', () => {
  assert.deepEqual(run([sub(null, [1, [2, 99], 3, 4, 5, 6, 7, 8, 9, 10])]), { mismatch: 1 });
  assert.deepEqual(run([sub(['a'], [1, 2, 3, 5, 7, 9])]), { 'wrong-topic': 1 });
  assert.deepEqual(run([sub(['b'], [2, 4, 6, 8, 10, 12])]), { phantom: 1 });
  assert.deepEqual(run([sub(['b'], [2, 4, 6])]), { behind: 1 });
});

test('ledger: acknowledged but missing or twice, rolled back but stored, unknown rows', () => {
  const h = history(10);
  h.rows.delete(4);
  h.tags.delete('t4');
  const l = ledger(10);
  l.http.push({ tags: ['t11'], ids: [11], sentAt: 200, doneAt: 205 });
  assert.deepEqual(run([], h, l), { 'ack-missing': 2 });
  const h2 = history(10);
  h2.tags.set('t3', [3, 4]);
  h2.rows.get(4).tag = 't3';
  const l2 = ledger(10);
  l2.http.splice(3, 1);
  assert.deepEqual(run([], h2, l2), { 'stored-twice': 1 });
  const l3 = ledger(9);
  l3.sql.push({ tags: ['t10'], outcome: 'rolledback' });
  assert.deepEqual(run([], history(10), l3), { 'rolled-back-stored': 1 });
  assert.deepEqual(run([], history(10), ledger(9)), { 'unknown-row': 1 });
});

test('order: a commit finished before another was sent has the lower id', () => {
  const l = { http: ledger(10).http.slice(0, 8), sql: [
    { tags: ['t10'], outcome: 'committed', commitAt: 100, doneAt: 110 },
    { tags: ['t9'], outcome: 'committed', commitAt: 120, doneAt: 130 },
  ] };
  assert.deepEqual(run([], history(10), l), { 'sql-order': 1 });
  l.http[2].ids = [9];
  l.sql.splice(0);
  assert.ok(run([], history(10), l)['http-order'] >= 1);
});
