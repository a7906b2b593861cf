// Issue 15: the recent past and history. /stream?last=N (a cursor found
// by the store, then the catch-up every cursor gets), envelope=1, and
// GET /events paging forwards and backwards, trimmed ranges, private
// topics, and the plans of the history queries (index scans only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startServer, stopServer, Stream, publish, request, storedIds, headId, psql, psqlScript,
  assertIncreasing, sleep,
} from './lib.mjs';

const HTTP = 19400;
const HTTPS = 19401;
const RET = 19402;	// a server with retention, last

before(() => {
  const dir = path.join(ROOT, 'var/itest-history');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'acl.conf');
  writeFileSync(file, [
    'subscribe hist-reader-token hsecret.*',
    'private   hsecret.*',
    '',
  ].join('\n'));
  startServer('history', HTTP, HTTPS, { SSEHUB_ACL: file });
});
after(() => stopServer('history'));

const as = (token) => ({ Authorization: `Bearer ${token}` });

async function events(q, headers = {}) {
  const r = await request(HTTP, { path: `/events?${q}`, headers });
  return { status: r.status, json: JSON.parse(r.body.toString()) };
}

async function batch(topic, n, tag = 'x') {
  const ids = [];
  for (let i = 0; i < n; i += 1000) {
    const k = Math.min(1000, n - i);
    const r = await publish(HTTP, Array.from({ length: k }, (_, j) => ({ topic, data: `${tag}${i + j}` })));
    assert.equal(r.status, 201);
    ids.push(...r.json.ids);
  }
  return ids;
}

const open = (p, headers = {}) => new Stream(HTTP, { path: p, headers });
const onTopic = (s, t) => s.events.filter((e) => e.event !== 'reset' && e.event !== 'presence' && e.topic === t);

test('last=N: the last N events of the topics, ascending, then live, no gap or duplicate', async () => {
  const a = await batch('lastA', 30);
  await batch('lastOther', 5);
  const b = await batch('lastB', 4);
  const s = open('/stream?topic=lastA&topic=lastB&last=10');
  await s.until((x) => x.events.length >= 10, 5000, 'ten');
  // The last 10 of lastA and lastB together, in id order.
  assert.deepEqual(s.ids(), [...a.slice(-6), ...b]);
  assert.deepEqual(s.events.map((e) => e.topic), [...Array(6).fill('lastA'), ...Array(4).fill('lastB')]);
  const live = await batch('lastA', 3, 'live');
  await s.until((x) => x.events.length >= 13, 5000, 'live');
  assert.deepEqual(s.ids().slice(10), live);
  s.close();
});

test('last=N with fewer events stored: all of them; with none: live', async () => {
  const few = await batch('lastFew', 3);
  const s = open('/stream?topic=lastFew&last=1000');
  await s.until((x) => x.events.length >= 3, 5000, 'three');
  assert.deepEqual(s.ids(), few);
  const e = open('/stream?topic=lastNone&last=50');
  await e.until((x) => x.retry !== null, 3000, 'open');
  await sleep(300);
  const r = await publish(HTTP, { topic: 'lastNone', data: 'first' });
  await e.until((x) => x.events.length >= 1, 3000, 'live');
  assert.deepEqual(e.ids(), [r.json.id]);
  s.close();
  e.close();
});

test('last=N racing concurrent publishes: every stream is a gapless, duplicate-free suffix of the log', async () => {
  await batch('race', 100);
  let stop = false;
  const publishers = Array.from({ length: 4 }, async (_, p) => {
    for (let i = 0; !stop; i++) {
      const r = await publish(HTTP, { topic: i % 3 ? 'race' : 'raceOther', data: `p${p}-${i}` });
      assert.equal(r.status, 201);
    }
  });
  const subs = [];
  for (let i = 0; i < 24; i++) {
    subs.push(open(`/stream?topic=race&last=${1 + (i * 37) % 120}`));
    await sleep(25 + Math.random() * 40);
  }
  await sleep(300);
  stop = true;
  await Promise.all(publishers);
  const stored = storedIds(0, 'race');
  for (const [i, s] of subs.entries()) {
    const n = 1 + (i * 37) % 120;
    await s.until((x) => x.ids().at(-1) === stored.at(-1), 5000, `stream ${i} at the head`);
    const ids = s.ids();
    const at = stored.indexOf(ids[0]);
    assert.ok(at >= 0, `stream ${i}: first id ${ids[0]} not stored`);
    assert.deepEqual(ids, stored.slice(at), `stream ${i}: not a gapless suffix`);
    assert.ok(ids.length >= n, `stream ${i}: ${ids.length} events for last=${n}`);
    s.close();
  }
});

test('a cursor wins over last: Last-Event-ID and last_event_id resume exactly', async () => {
  const ids = await batch('lastCur', 20);
  const h = open('/stream?topic=lastCur&last=3', { 'Last-Event-ID': String(ids[4]) });
  const q = open(`/stream?topic=lastCur&last=3&last_event_id=${ids[9]}`);
  await h.until((x) => x.events.length >= 15, 5000, 'header resume');
  await q.until((x) => x.events.length >= 10, 5000, 'query resume');
  assert.deepEqual(h.ids(), ids.slice(5));
  assert.deepEqual(q.ids(), ids.slice(10));
  h.close();
  q.close();
});

test('last: 0 is today\'s stream; out of range or malformed is a 400', async () => {
  await batch('lastZero', 3);
  await sleep(300);	// read by the bus: "from now" is the worker's head
  const z = open('/stream?topic=lastZero&last=0');
  await z.until((x) => x.retry !== null, 3000, 'open');
  await sleep(300);
  assert.equal(z.events.length, 0);
  z.close();
  for (const v of ['1001', '-1', 'abc', '', '1e3', '5%20']) {
    const r = await request(HTTP, { path: `/stream?topic=x&last=${v}` });
    assert.equal(r.status, 400, `last=${v}`);
    assert.match(JSON.parse(r.body).error, /last must be a number from 0 to 1000/);
  }
});

test('last on a stream of every topic counts only what it may read', async () => {
  const pub = await batch('lastPub', 2);
  await batch('hsecret.x', 3);
  const anon = open('/stream?last=2');
  await anon.until((x) => x.events.length >= 2, 5000, 'two');
  assert.deepEqual(anon.ids(), pub);
  const reader = open('/stream?last=4', as('hist-reader-token'));
  await reader.until((x) => x.events.length >= 4, 5000, 'four');
  assert.deepEqual(reader.events.map((e) => e.topic), ['lastPub', 'hsecret.x', 'hsecret.x', 'hsecret.x']);
  anon.close();
  reader.close();
});

test('envelope=1: data is {"topic","event","data"}, replayed and live, multi-line data intact', async () => {
  const r1 = await publish(HTTP, { topic: 'env', event: 'line', data: 'a\r\nb\n"c"\\' });
  const s = open('/stream?topic=env&last=1&envelope=1');
  await s.until((x) => x.events.length >= 1, 5000, 'replayed');
  const r2 = await publish(HTTP, { topic: 'env', event: 'order', data: { n: 1 } });
  await s.until((x) => x.events.length >= 2, 5000, 'live');
  assert.deepEqual(s.ids(), [r1.json.id, r2.json.id]);
  assert.deepEqual(JSON.parse(s.events[0].data), { topic: 'env', event: 'line', data: 'a\r\nb\n"c"\\' });
  assert.deepEqual(JSON.parse(s.events[1].data), { topic: 'env', event: 'order', data: '{"n":1}' });
  assert.ok(!/\ndata: .*\ndata: /.test(s.raw), 'one data line per event');
  // The same event without envelope, on the same worker's window.
  const plain = open(`/stream?topic=env&last_event_id=${r1.json.id - 1}`);
  await plain.until((x) => x.events.length >= 2, 5000, 'plain');
  assert.equal(plain.events[0].data, 'a\nb\n"c"\\');
  s.close();
  plain.close();
});

test('GET /events pages forwards and backwards over 10,000 events: no id missed or repeated', async () => {
  const base = headId();
  const mine = await batch('page', 10000);
  await batch('pageOther', 500);
  const stored = storedIds(base, 'page');
  assert.deepEqual(mine, stored);

  let got = [];
  let after = base;
  for (let pages = 0; after !== null; pages++) {
    const r = await events(`topic=page&after=${after}&limit=1000`);
    assert.equal(r.status, 200);
    for (const e of r.json.events) {
      assert.equal(e.topic, 'page');
      assert.equal(e.event, 'message');
    }
    got.push(...r.json.events.map((e) => e.id));
    after = r.json.next;
    assert.ok(pages < 12, 'too many pages');
  }
  assert.deepEqual(got, stored);

  got = [];
  let before = headId() + 1;
  while (before !== null && (got.length === 0 || got.at(-1) > stored[0])) {
    const r = await events(`topic=page&before=${before}&limit=999`);
    got.push(...r.json.events.map((e) => e.id));
    before = r.json.next;
  }
  assert.deepEqual(got.filter((id) => id >= stored[0]), [...stored].reverse());

  // Every topic, forwards, default limit 100: ids of both topics.
  const r = await events(`after=${base}`);
  assert.equal(r.json.events.length, 100);
  assert.deepEqual(r.json.events.map((e) => e.id), storedIds(base).slice(0, 100));
  assert.equal(r.json.next, r.json.events.at(-1).id);
});

test('GET /events: data comes back exactly as published; a short page has next null', async () => {
  const data = 'x\ny\r\n"q"\\\u0001 \u20ac';
  const r = await publish(HTTP, { topic: 'exact', event: 'e1', data });
  const p = await events(`topic=exact&after=${r.json.id - 1}`);
  assert.deepEqual(p.json.events, [{ id: r.json.id, topic: 'exact', event: 'e1', data }]);
  assert.equal(p.json.next, null);
});

test('GET /events: a page of large events stops at 4 MiB with next set; paging still sees every id once', async () => {
  // \u0001 is written as \u0001 in JSON: 6 bytes each, ~60 KB a row.
  const ids = [];
  for (let i = 0; i < 80; i++) {
    const r = await publish(HTTP, { topic: 'bigpage', data: '\u0001'.repeat(10000) + i });
    assert.equal(r.status, 201);
    ids.push(r.json.id);
  }
  const first = await events(`topic=bigpage&after=${ids[0] - 1}&limit=1000`);
  const body = JSON.stringify(first.json).length;
  const n = first.json.events.length;
  console.log(`# a page of 80 rows of ~60 KB: ${n} rows, ${body} bytes, next ${first.json.next}`);
  assert.ok(n > 0 && n < 80, `${n} rows`);
  assert.ok(body <= 4 * 1024 * 1024, `${body} bytes`);
  assert.equal(first.json.next, first.json.events[n - 1].id);
  const seen = first.json.events.map((e) => e.id);
  for (let next = first.json.next; next !== null;) {
    const p = await events(`topic=bigpage&after=${next}&limit=1000`);
    seen.push(...p.json.events.map((e) => e.id));
    next = p.json.next;
  }
  assert.deepEqual(seen, ids);
});

test('GET /events: bad arguments are 400', async () => {
  for (const q of ['after=x', 'before=-1', 'limit=0', 'limit=1001', 'after=1&before=2', 'topic=a%2Fb']) {
    const r = await request(HTTP, { path: `/events?${q}` });
    assert.equal(r.status, 400, q);
  }
  const r = await request(HTTP, { method: 'POST', path: '/events', body: '' });
  assert.equal(r.status, 405);
});

test('private topics: /events needs the token /stream needs; a wildcard query hides them', async () => {
  const base = headId();
  const s = await batch('hsecret.page', 3);
  const p = await batch('hpublic', 2);
  assert.equal((await events('topic=hsecret.page')).status, 403);
  assert.equal((await events('topic=hsecret.page', as('wrong-token'))).status, 401);
  const ok = await events(`topic=hsecret.page&after=${base}`, as('hist-reader-token'));
  assert.deepEqual(ok.json.events.map((e) => e.id), s);
  const q = await events(`topic=hsecret.page&after=${base}&access_token=hist-reader-token`);
  assert.deepEqual(q.json.events.map((e) => e.id), s);
  const anon = await events(`after=${base}`);
  assert.deepEqual(anon.json.events.map((e) => e.id), p);
  const back = await events(`before=${headId() + 1}&limit=5`);
  assert.deepEqual(back.json.events.map((e) => e.id).filter((id) => id > base), [...p].reverse());
  const all = await events(`after=${base}`, as('hist-reader-token'));
  assert.deepEqual(all.json.events.map((e) => e.id), [...s, ...p]);
});

test('a wildcard query over a log of mostly private events reads a bounded span per page, and misses nothing', async () => {
  const a = await batch('hpublic', 1, 'before-');
  await batch('hsecret.flood', 25000);
  const b = await batch('hpublic', 1, 'after-');
  const seen = [];
  let pages = 0;
  for (let next = a[0] - 1; next !== null; pages++) {
    const p = await events(`after=${next}&limit=10`);
    assert.equal(p.status, 200);
    seen.push(...p.json.events.map((e) => e.id));
    next = p.json.next;
  }
  console.log(`# 25,000 private events between 2 public ones: ${pages} pages forwards`);
  assert.deepEqual(seen.filter((id) => id <= b[0]), [a[0], b[0]]);
  assert.ok(pages >= 3, `${pages} pages: each reads at most 10,000 ids`);
  const back = [];
  for (let next = b[0] + 1; next !== null && back.length < 2;) {
    const p = await events(`before=${next}&limit=10`);
    back.push(...p.json.events.map((e) => e.id).filter((id) => id >= a[0]));
    next = p.json.next;
  }
  assert.deepEqual(back, [b[0], a[0]]);
});

// The SQL of store.c, read from its source (one source of truth), with
// its macros expanded (a macro's body may use other macros), so EXPLAIN
// sees exactly what the server runs.
const TOKEN_RE = /"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*)(\()?|(,)|(\))/g;
const unquote = (l) => l.replace(/\\(.)/g, '$1');
const STORE_SRC = readFileSync(path.join(ROOT, 'src/store.c'), 'utf8');

// Expands the tokens of toks from i on, until an unmatched ")" or ","
// (when inArgs) or the end; returns [text, next index].
function expand(toks, i, env, inArgs) {
  let out = '';
  for (; i < toks.length; i++) {
    const [, str, name, call, comma, close] = toks[i];
    if (inArgs && (comma || close)) break;
    if (str !== undefined) out += unquote(str);
    else if (name !== undefined && name in env) out += env[name];
    else if (name !== undefined && /^STORE_SQL_/.test(name)) {
      const args = [];
      if (call) {
        for (i++; ; i++) {
          const [arg, next] = expand(toks, i, env, true);
          args.push(arg);
          i = next;
          if (toks[i][5]) break;
        }
      }
      out += macro(name, args);
    }
  }
  return [out, i];
}

function macro(name, args) {
  const m = new RegExp(`#define ${name}\\b(?:\\(([^)]*)\\))?([\\s\\S]*?)\\n\\n`).exec(STORE_SRC);
  const params = m[1] ? m[1].split(',').map((x) => x.trim()) : [];
  const env = Object.fromEntries(params.map((p, k) => [p, args[k]]));
  return expand([...m[2].matchAll(TOKEN_RE)], 0, env, false)[0];
}

function storeSql(name) {
  const def = new RegExp(`static const char ${name}\\[\\] =([\\s\\S]*?);\\n`).exec(STORE_SRC)[1];
  return expand([...def.matchAll(TOKEN_RE)], 0, {}, false)[0];
}

function explain(name, types, values) {
  return psql(`PREPARE q(${types}) AS ${storeSql(name)}; EXPLAIN (COSTS OFF) EXECUTE q(${values})`);
}

test('EXPLAIN: every history query walks an index, never the events table', async () => {
  // A table of a realistic size: on a few thousand rows reading it all
  // is cheaper, and the planner rightly says so.
  psql(`SELECT ssehub.append(array_agg('bulk' || (g % 50)), array_agg('m'::text), array_agg(g::text))
        FROM generate_series(1, 200000) g`);
  psql('ANALYZE ssehub.events');
  const head = headId();
  const cases = [
    ['store_sql_fetch_topics', 'bigint,int,text[]', `${head - 5000}, 100, '{page,hpublic}'`],
    ['store_sql_before_topics', 'bigint,int,text[]', `${head - 5000}, 100, '{page,hpublic}'`],
    ['store_sql_after_all', 'bigint,int,text[],text[],bigint', `${head - 5000}, 100, '{hsecret.*}', '{}', 10000`],
    ['store_sql_before_all', 'bigint,int,text[],text[],bigint', `${head - 5000}, 100, '{hsecret.*}', '{}', 10000`],
    ['store_sql_last_topics', 'text[],int', `'{page,hpublic}', 50`],
    ['store_sql_last_all', 'int,text[],text[],bigint', `50, '{hsecret.*}', '{}', 10000`],
  ];
  for (const [name, types, values] of cases) {
    const plan = explain(name, types, values);
    console.log(`-- ${name}\n${plan}`);
    assert.match(plan, /Index (Only )?Scan/, name);
    assert.doesNotMatch(plan, /Seq Scan on events/, name);
  }
});

test('EXPLAIN: last=N reads each topic from its index when one topic fills the table', async () => {
  // The planner cannot tell which topic a row of unnest() names: with one
  // topic in the statistics it expects every row to match, and walked the
  // primary key back through the whole table for a topic with no events
  // (700 ms on 1.6 million rows). All rolled back, statistics included.
  const plan = await psqlScript(`BEGIN;
    DELETE FROM ssehub.events;
    INSERT INTO ssehub.events (id, topic, event, data)
      SELECT 1e15::bigint + g, 'one', 'm', '' FROM generate_series(1, 100000) g;
    ANALYZE ssehub.events;
    PREPARE q(text[], int) AS ${storeSql('store_sql_last_topics')};
    EXPLAIN (COSTS OFF) EXECUTE q('{one,none}', 50);
    ROLLBACK;`);
  console.log(plan);
  assert.match(plan, /Index Only Scan Backward using events_topic_id/);
  assert.doesNotMatch(plan, /events_pkey/);
});

test('history of a trimmed range: /events starts at the oldest kept event and says what is gone', async () => {
  startServer('history-ret', RET, RET + 1, { SSEHUB_RETAIN_EVENTS: '200' });
  try {
    const base = headId();
    for (let i = 0; i < 3; i++) {
      const r = await publish(RET, Array.from({ length: 300 }, (_, j) => ({ topic: 'trimmed', data: `t${i}-${j}` })));
      assert.equal(r.status, 201);
    }
    let trimmed = 0;
    for (let i = 0; i < 50 && trimmed < headId() - 200; i++) {
      await sleep(200);
      trimmed = Number(psql('SELECT trimmed_through FROM ssehub.trim'));
    }
    assert.ok(trimmed >= headId() - 200, `trimmed through ${trimmed}`);
    const r = await request(RET, { path: `/events?topic=trimmed&after=${base}&limit=1000` });
    const j = JSON.parse(r.body);
    assert.equal(j.trimmed, trimmed);
    assert.deepEqual(j.events.map((e) => e.id), storedIds(base, 'trimmed'));
    assert.ok(j.events[0].id > trimmed);
    // Backwards, the last page ends at the oldest kept: next null.
    const b = JSON.parse((await request(RET, { path: `/events?topic=trimmed&before=${headId() + 1}&limit=1000` })).body);
    assert.equal(b.next, null);
    assert.deepEqual(b.events.map((e) => e.id), storedIds(base, 'trimmed').reverse());
    assertIncreasing(assert, j.events.map((e) => e.id));
  } finally {
    stopServer('history-ret');
  }
});
