// ssehub's SQL functions (sql/), each on a database of its own, migrated
// by hand: append, append_once, drain_outbox, trim_events, purge_keys,
// and the limits the schema takes from the C headers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PsqlSession } from '../lib/pg.mjs';
import { freshDb, migrateAllByHand, psqlError, psqlOn, ROOT } from './lib.mjs';

function migrated(name) {
  const db = freshDb(name);
  migrateAllByHand(db);
  return { db, q: psqlOn(db) };
}

// A #define of a C header, as its text (a string's contents, or a number).
function cDefine(header, name) {
  const src = fs.readFileSync(path.join(ROOT, 'src', header), 'utf8');
  const m = new RegExp(`#define ${name}\\s+("([^"]*)"|(\\d+))`).exec(src);
  return m[2] ?? m[3];
}

const ids = (q, where = 'true') => q(`SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssehub.events WHERE ${where}`);

test('append: consecutive ids, the last returned, created_at in id order', async () => {
  const { db, q } = migrated('sqlt_append');
  assert.equal(q("SELECT ssehub.append('{a,b,a}', '{m,m,m}', '{1,2,3}')"), '3');
  assert.equal(q("SELECT ssehub.append('{c,c}', '{m,n}', '{4,5}')"), '5');
  assert.equal(ids(q), '1,2,3,4,5');
  assert.equal(q("SELECT string_agg(topic || ':' || event || ':' || data, ' ' ORDER BY id) FROM ssehub.events"),
    'a:m:1 b:m:2 a:m:3 c:m:4 c:n:5');

  // A transaction that began before another appended (its now() is the
  // older) but appends after it: created_at is taken under the lock, so
  // it still grows with the id, as trimming by age relies on.
  const early = new PsqlSession(db);
  early.send("BEGIN; SELECT 'began';");
  await early.sync();
  await new Promise((r) => setTimeout(r, 50));
  q("SELECT ssehub.append('{late}', '{m}', '{6}')");
  early.send("SELECT ssehub.append('{early}', '{m}', '{7}'); COMMIT;");
  await early.sync();
  early.close();
  assert.equal(ids(q), '1,2,3,4,5,6,7');
  assert.equal(q(`SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back
                  FROM ssehub.events) x WHERE back`), '0', 'created_at never goes back as ids go up');
  assert.equal(q('SELECT ssehub.last_id()'), '7');
});

test('append: only under READ COMMITTED', () => {
  const { db, q } = migrated('sqlt_isolation');
  for (const level of ['REPEATABLE READ', 'SERIALIZABLE']) {
    const err = psqlError(db, `BEGIN ISOLATION LEVEL ${level}; SELECT ssehub.append('{a}', '{m}', '{x}'); COMMIT;`);
    assert.match(err, /ssehub\.append needs READ COMMITTED/, level);
  }
  assert.equal(q('SELECT count(*) FROM ssehub.events'), '0');
  assert.equal(q("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT ssehub.append('{a}', '{m}', '{x}'); COMMIT;"), '1');
});

test('the CHECKs are the C rules: topic (topic.h), event (sse_frame.h)', () => {
  const { db, q } = migrated('sqlt_checks');
  const topicMax = Number(cDefine('topic.h', 'TOPIC_MAX'));
  const eventMax = Number(cDefine('sse_frame.h', 'SSE_EVENT_MAX'));
  const append = (topic, event) => `SELECT ssehub.append(ARRAY['${topic}'], ARRAY[${event}], '{x}')`;
  const publish = (topic, event) => `SELECT ssehub.publish('${topic}', ${event}, 'x')`;
  for (const call of [append, publish]) {
    q(call('t'.repeat(topicMax), "'m'"));
    q(call('A-z_0.9', `'${'e'.repeat(eventMax)}'`));
    for (const topic of ['t'.repeat(topicMax + 1), '', 'a b', 'a/b', 'ä']) {
      assert.match(psqlError(db, call(topic, "'m'")), /violates check constraint "(events|outbox)_topic_check"/, `topic '${topic}'`);
    }
    for (const event of [`'${'e'.repeat(eventMax + 1)}'`, "''", "E'a\\nb'", "E'a\\rb'"]) {
      assert.match(psqlError(db, call('t', event)), /violates check constraint "(events|outbox)_event_check"/, `event ${event}`);
    }
  }
  assert.equal(q('SELECT count(*) FROM ssehub.events'), '2', 'the valid appends');
  assert.equal(q('SELECT count(*) FROM ssehub.outbox'), '2', 'the valid publishes');
});

test('append_once: a key appends once; another body conflicts; the window expires', () => {
  const { q } = migrated('sqlt_once');
  const once = (key, hash, data) => q(`SELECT o_last || ' ' || o_count || ' ' || o_replayed || ' ' || o_conflict
    FROM ssehub.append_once('${key}', '${hash}', '{a,a}', '{m,m}', '{${data},${data}}')`);
  assert.equal(once('k', 'h1', 'x'), '2 2 false false');
  assert.equal(once('k', 'h1', 'x'), '2 2 true false', 'the same key again: the first answer, replayed');
  assert.equal(once('k', 'h2', 'y'), '2 2 true true', 'another body: a conflict');
  assert.equal(ids(q), '1,2', 'nothing appended by the repeats');

  // ssehub.key_window() is STORE_KEY_WINDOW (store.h), and the default.
  assert.equal(q(`SELECT ssehub.key_window() = interval '${cDefine('store.h', 'STORE_KEY_WINDOW')}'`), 't');
  q("UPDATE ssehub.idempotency SET created_at = now() - ssehub.key_window() + interval '1 minute'");
  assert.equal(once('k', 'h2', 'y'), '2 2 true true', 'inside the window: still the first answer');
  q("UPDATE ssehub.idempotency SET created_at = now() - ssehub.key_window() - interval '1 second'");
  assert.equal(once('k', 'h2', 'y'), '4 2 false false', 'past the window: a new claim');
  assert.equal(ids(q), '1,2,3,4');
  assert.equal(q("SELECT hash || ' ' || last_id FROM ssehub.idempotency WHERE key = 'k'"), 'h2 4');
});

test('drain_outbox: commit order, not insert order; reserved names refused', async () => {
  const { db, q } = migrated('sqlt_outbox');
  q("SELECT ssehub.append('{log}', '{m}', '{first}')");
  // A inserts first and commits last; B commits in between.
  const a = new PsqlSession(db);
  a.send("BEGIN; SELECT ssehub.publish('o', 'e', 'A');");
  await a.sync();
  q("SELECT ssehub.publish('o', 'e', 'B')");
  q("SELECT ssehub.publish('o', NULL, 'C')");
  a.send('COMMIT;');
  await a.sync();
  a.close();
  assert.equal(q("SELECT string_agg(data, ',' ORDER BY seq) FROM ssehub.outbox"), 'A,B,C', 'seq is insert order');
  assert.equal(q('SELECT ssehub.drain_outbox(2)'), '2', 'at most p_limit');
  assert.equal(q('SELECT ssehub.drain_outbox(1000)'), '1');
  assert.equal(q('SELECT ssehub.drain_outbox(1000)'), '0');
  assert.equal(q("SELECT string_agg(id || '=' || data || '/' || event, ',' ORDER BY id) FROM ssehub.events"),
    '1=first/m,2=B/e,3=C/message,4=A/e');
  assert.equal(q('SELECT count(*) FROM ssehub.outbox'), '0');

  for (const name of ['reset', 'presence']) {
    assert.match(psqlError(db, `SELECT ssehub.publish('o', '${name}', 'x')`), /outbox_event_reserved/, name);
  }
});

test('trim_events: by count and by age, a batch at a time, only a prefix', () => {
  const { q } = migrated('sqlt_trim');
  q("SELECT ssehub.append(array_fill('t'::text, ARRAY[10]), array_fill('m'::text, ARRAY[10]), array_fill('x'::text, ARRAY[10]))");
  const trimmed = () => q('SELECT trimmed_through FROM ssehub.trim');
  // Keep 4: 6 go, 3 per call.
  assert.equal(q('SELECT ssehub.trim_events(4, 0, 3)'), '3');
  assert.equal(trimmed(), '3');
  assert.equal(q('SELECT ssehub.trim_events(4, 0, 3)'), '3');
  assert.equal(q('SELECT ssehub.trim_events(4, 0, 3)'), '0');
  assert.equal(ids(q), '7,8,9,10');
  assert.equal(trimmed(), '6');
  assert.equal(q('SELECT ssehub.gone_through(2)'), '6');

  // By age: 7 and 8 are old, 9 young, 10 old again: 10 must stay, behind 9.
  q("UPDATE ssehub.events SET created_at = now() - interval '2 hours' WHERE id IN (7, 8, 10)");
  assert.equal(q('SELECT ssehub.trim_events(0, 3600, 100)'), '2');
  assert.equal(ids(q), '9,10');
  assert.equal(trimmed(), '8');
  assert.equal(q('SELECT ssehub.trim_events(0, 3600, 100)'), '0', 'stops at the young row');
  assert.equal(q('SELECT ssehub.trim_events(0, 0, 100)'), '0', '0 and 0: no limit, nothing goes');

  // Everything gone: the head stays, ids go on above it.
  assert.equal(q('SELECT ssehub.trim_events(1, 0, 100)'), '1');
  assert.equal(ids(q), '10');
  assert.equal(q('SELECT ssehub.trim_events(0, 10800, 100)'), '0', 'not 3 hours old');
  assert.equal(q('SELECT ssehub.trim_events(0, 3600, 100)'), '1');
  assert.equal(ids(q), '');
  assert.equal(q('SELECT ssehub.last_id()'), '10');
  assert.equal(q("SELECT ssehub.append('{t}', '{m}', '{y}')"), '11');
});

test('purge_keys: expired keys and revocations, a batch of each', () => {
  const { q } = migrated('sqlt_purge');
  for (const k of ['old1', 'old2', 'old3', 'new']) {
    q(`SELECT ssehub.append_once('${k}', 'h', '{a}', '{m}', '{x}')`);
  }
  q(`UPDATE ssehub.idempotency SET created_at = now() - ssehub.key_window() - interval '1 second'
     WHERE key LIKE 'old%'`);
  q("SELECT ssehub.revoke_token('gone', now() - interval '1 second')");
  q("SELECT ssehub.revoke_token('kept', now() + interval '1 hour')");
  q("SELECT ssehub.revoke_subject('also-kept')");
  assert.equal(q('SELECT ssehub.purge_keys(2)'), '3', '2 keys (the batch) and 1 revocation');
  assert.equal(q('SELECT ssehub.purge_keys(2)'), '1');
  assert.equal(q('SELECT ssehub.purge_keys(2)'), '0');
  assert.equal(q("SELECT string_agg(key, ',') FROM ssehub.idempotency"), 'new');
  assert.equal(q("SELECT string_agg(coalesce(jti, subject), ',' ORDER BY seq) FROM ssehub.revoked"), 'kept,also-kept');
  assert.equal(q('SELECT count(*) FROM ssehub.events'), '4', 'the events stay');
});

test('the batch is the caller\'s: no default left to restate retention.c', () => {
  const { q } = migrated('sqlt_nodefault');
  assert.equal(q(`SELECT string_agg(proname || '/' || pronargdefaults, ',' ORDER BY proname) FROM pg_proc
                  WHERE pronamespace = 'ssehub'::regnamespace AND proname IN ('trim_events', 'purge_keys')`),
  'purge_keys/0,trim_events/0');
});
