/*
 * The merge of subscriptions and the cursor bookkeeping: what the one
 * stream carries and from where, and who gets which event, once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router, covers, cursorKey, topicSet, union } from
    '../ssehub-router.js';

test('topic sets: all, names, sorted, checked', () => {
  assert.equal(topicSet(null), null);
  assert.equal(topicSet('*'), null);
  assert.equal(topicSet([]), null);
  assert.deepEqual(topicSet('chat'), ['chat']);
  assert.deepEqual(topicSet(['b', 'a', 'b']), ['a', 'b']);
  assert.throws(() => topicSet(['no spaces']), TypeError);
  assert.throws(() => topicSet(['x'.repeat(65)]), TypeError);
});

test('union: all wins; over 16 topics the stream takes all', () => {
  assert.deepEqual(union([['b'], ['a', 'b'], ['c']]), ['a', 'b', 'c']);
  assert.equal(union([['a'], null]), null);
  const many = Array.from({ length: 17 }, (_, i) => [`t${i}`]);
  assert.equal(union(many), null);
  assert.deepEqual(union([]), []);
  assert.ok(covers(null, ['a']) && covers(['a', 'b'], ['a']));
  assert.ok(!covers(['a'], null) && !covers(['a'], ['a', 'b']));
});

test('cursor keys are per server and topic set', () => {
  assert.equal(cursorKey('http://h:1', null), 'ssehub:http://h:1:*');
  assert.equal(cursorKey('http://h:1', ['a', 'b']),
      'ssehub:http://h:1:a,b');
});

/* Opens r's stream where it wants to be; returns what it opened. */
function open(r) {
  const w = r.wanted();
  r.opened(w.topics, w.cursor);
  return w;
}

/* Routes events {id, topic}; returns key -> ids delivered. */
function feed(r, events) {
  const got = {};
  for (const ev of events) {
    for (const { key } of r.route(ev))
      (got[key] ??= []).push(ev.id);
  }
  return got;
}

const ev = (id, topic) => ({ id, topic });

test('each subscription gets its topics only, once, in order', () => {
  const r = new Router();
  r.add('a', ['chat'], null);
  r.add('b', ['chat', 'orders'], null);
  r.add('c', null, null);
  assert.deepEqual(open(r), { topics: null, cursor: null });
  const got = feed(r, [ev(1, 'chat'), ev(2, 'orders'), ev(3, 'x'),
      ev(2, 'orders'), ev(4, 'chat')]);
  assert.deepEqual(got, { a: [1, 4], b: [1, 2, 4], c: [1, 2, 3, 4] });
});

test('a cursor passes over other topics, so reconnects start late', () => {
  const r = new Router();
  r.add('a', ['chat'], 10);
  r.add('b', ['orders'], 12);
  assert.deepEqual(open(r), { topics: ['chat', 'orders'], cursor: 10 });
  assert.deepEqual(feed(r, [ev(11, 'orders'), ev(12, 'orders'),
      ev(13, 'orders')]), { b: [13] });
  assert.equal(r.cursor('a'), 13);
  assert.deepEqual(r.wanted(), { topics: ['chat', 'orders'],
      cursor: 13 });
});

test('a new set restarts the stream; a covered one does not', () => {
  const r = new Router();
  r.add('a', ['chat', 'orders'], null);
  open(r);
  feed(r, [ev(5, 'chat')]);
  assert.equal(r.add('b', ['chat'], null), false, 'covered, from now');
  assert.equal(r.cursor('b'), 5);
  assert.equal(r.add('c', ['news'], null), true, 'a new topic');
  assert.equal(r.add('d', ['chat'], 2), true, 'an older cursor');
  /* Until the restart, c and d get nothing and keep their cursor. */
  assert.deepEqual(feed(r, [ev(6, 'news'), ev(7, 'chat')]),
      { a: [7], b: [7] });
  assert.equal(r.cursor('d'), 2);
  assert.deepEqual(open(r), { topics: ['chat', 'news', 'orders'],
      cursor: 2 });
  /* The replay from 2: a and b have 5-7 already. */
  assert.deepEqual(feed(r, [ev(5, 'chat'), ev(6, 'news'),
      ev(7, 'chat'), ev(8, 'chat'), ev(9, 'orders')]),
      { a: [8, 9], b: [8], c: [6], d: [5, 7, 8] });
});

test('removing a subscription makes the stream wider than needed', () => {
  const r = new Router();
  r.add('a', ['chat'], null);
  r.add('b', ['news'], null);
  open(r);
  assert.equal(r.wider(), false);
  r.remove('b');
  assert.equal(r.wider(), true);
  assert.deepEqual(r.wanted().topics, ['chat']);
});

test('without topic lines: only the set equal to the stream gets it', () => {
  const r = new Router();
  r.add('a', ['chat', 'news'], 1);
  r.add('b', ['chat'], 1);
  open(r);
  const got = feed(r, [ev(2, null), ev(3, null)]);
  assert.deepEqual(got, { a: [2, 3] });
  assert.equal(r.cursor('b'), 1, 'held back, not skipped');
  assert.deepEqual(r.route(ev(4, null)), [{ key: 'a', topic: null }]);

  const one = new Router();
  one.add('x', ['chat'], null);
  open(one);
  assert.deepEqual(one.route(ev(9, null)), [{ key: 'x', topic: 'chat' }]);
});

test('reset after a trimmed cursor moves only those behind it', () => {
  const r = new Router();
  r.add('a', null, 3);
  r.add('b', null, 50);
  open(r);
  assert.deepEqual(r.reset(40), ['a']);
  assert.equal(r.cursor('a'), 40);
  assert.equal(r.cursor('b'), 50);
  assert.deepEqual(feed(r, [ev(41, 't'), ev(51, 't')]),
      { a: [41, 51], b: [51] });
});

test('reset after a cursor beyond the head moves everyone back', () => {
  const r = new Router();
  r.add('a', ['t'], 900);
  r.add('b', ['t'], 950);
  open(r);
  assert.deepEqual(r.reset(0), ['a', 'b']);
  assert.deepEqual(feed(r, [ev(1, 't'), ev(2, 't')]),
      { a: [1, 2], b: [1, 2] });
});
