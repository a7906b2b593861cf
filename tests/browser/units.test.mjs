/*
 * The dashboard's pure part, without a browser: its verdicts on the ids
 * the client library delivers (gap, duplicate, out of order, reset). The
 * library's own pure parts are tested in clients/js/test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Verdicts } from '../../assets/verdicts.js';

/* Feeds ids (or {id, reset}) to verdicts at lastId; returns flags. */
function judge(items, { everyTopic = true, lastId = 10 } = {}) {
  const v = new Verdicts(everyTopic);
  v.lastId = lastId;
  const out = [];
  for (const it of items) {
    if (it.reset !== undefined)
      v.reset(it.reset);
    else
      out.push(v.judge(it).flag ?? 'ok');
  }
  return out;
}

test('verdicts on all topics: gap, duplicate, out of order', () => {
  assert.deepEqual(judge([11, 12, 14, 14, 13]),
      ['ok', 'ok', 'gap', 'duplicate', 'out of order']);
});

test('verdicts with a topic filter: order only', () => {
  assert.deepEqual(judge([11, 15, 15], { everyTopic: false }),
      ['ok', 'ok', 'duplicate']);
});

test('a reset moves the cursor back without a verdict', () => {
  assert.deepEqual(judge([{ reset: 3 }, 4, 5], { lastId: 900 }),
      ['ok', 'ok']);
});
