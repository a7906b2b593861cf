// The deployment that tests/prod/run.sh installed with `make install` and
// started as its unit says: the install, Kore's sandbox seen from /proc,
// then the API over Kore's own TLS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { sleep } from '../h2/lib.mjs';
import {
  CONF, LOG, USER, proc, children, workers, parentPid, publish, stream,
} from './lib.mjs';

const TOPIC = `prod${process.pid}`;
// kore.conf's chroot for the workers, as installed.
const CHROOT = /^root\s+(\S+)/m.exec(fs.readFileSync(path.join(CONF, 'kore.conf'), 'utf8'))[1];

const uidOf = (name) => Number(execFileSync('id', ['-u', name]).toString().trim());

test('make install: the prod flavor; key of ssehub, 0600; env of root, 0600', () => {
  const so = execFileSync('readelf', ['-S', `${process.env.PROD_PREFIX}/lib/ssehub/ssehub.so`]).toString();
  assert.doesNotMatch(so, /\.debug_info/, 'the prod flavor has no debug info');
  const key = fs.statSync(path.join(CONF, 'cert/key.pem'));
  assert.equal(key.uid, uidOf(USER));
  assert.equal(key.mode & 0o777, 0o600);
  const env = fs.statSync(path.join(CONF, 'env'));
  assert.equal(env.uid, 0);
  assert.equal(env.mode & 0o777, 0o600);
  const unit = fs.readFileSync(process.env.PROD_UNIT, 'utf8');
  assert.match(unit, new RegExp(`^WorkingDirectory=${CONF}$`, 'm'));
  assert.match(unit, /^ExecStart=.*kore -fc kore\.conf$/m);
});

let before;

test('workers: uid of ssehub, chrooted, seccomp mode 2; parent stays root, key manager sandboxed too', () => {
  const uid = uidOf(USER);
  const parent = proc(parentPid());
  assert.match(parent.title, /kore \[parent\]/);
  assert.deepEqual(parent.uids, [0, 0, 0, 0]);

  before = workers();
  assert.equal(before.length, 2, `workers: ${JSON.stringify(before)}`);
  for (const w of before) {
    console.log(`# ${w.title} pid ${w.pid}: uid ${w.uids.join('/')} gid ${w.gids.join('/')} root ${w.root} Seccomp ${w.seccomp}`);
    assert.deepEqual(w.uids, [uid, uid, uid, uid], `${w.title} uids`);
    assert.equal(w.root, CHROOT, `${w.title} root`);
    assert.equal(w.seccomp, 2, `${w.title} Seccomp`);
  }
  assert.deepEqual(fs.readdirSync(CHROOT), [], 'the chroot is empty');

  const keymgr = children(parentPid()).map(proc).find((p) => /\[keymgr\]/.test(p.title));
  assert.ok(keymgr, 'a key manager');
  console.log(`# ${keymgr.title} pid ${keymgr.pid}: uid ${keymgr.uids.join('/')} root ${keymgr.root} Seccomp ${keymgr.seccomp}`);
  assert.deepEqual(keymgr.uids, [uid, uid, uid, uid]);
  assert.equal(keymgr.root, CONF);
  assert.equal(keymgr.seccomp, 2);
});

test('over Kore TLS: /publish, a live /stream, replay by Last-Event-ID', async () => {
  const live = stream(`topic=${TOPIC}`);
  await live.until((s) => s.blocks.some((b) => b.kind === 'retry'), 5000, 'retry:');

  const r = await publish([1, 2, 3].map((i) => ({ topic: TOPIC, event: 'prod', data: `p${i}` })));
  assert.equal(r.status, 201);
  assert.match(r.proto, /^TLSv1\.[23]$/);
  const ids = r.json.ids;
  assert.equal(ids.length, 3);

  await live.until((s) => s.frames().length >= 3, 5000, 'three live frames');
  assert.deepEqual(live.frames().map((f) => Number(f.id)), ids);
  assert.deepEqual(live.frames().map((f) => f.data), ['p1', 'p2', 'p3']);
  await live.until((s) => s.heartbeats().length >= 1, 3000, 'a heartbeat');

  const replay = stream(`topic=${TOPIC}`, { 'Last-Event-ID': String(ids[0]) });
  await replay.until((s) => s.frames().length >= 2, 5000, 'replay');
  assert.deepEqual(replay.frames().map((f) => Number(f.id)), ids.slice(1));

  // Both continue live; the ticker (worker 1, system topic) publishes too.
  const r2 = await publish({ topic: TOPIC, event: 'prod', data: 'p4' });
  await live.until((s) => s.frames().length >= 4, 3000, 'live p4');
  await replay.until((s) => s.frames().length >= 3, 3000, 'replay then live p4');
  assert.equal(Number(replay.frames().at(-1).id), r2.json.id);

  const sys = stream('topic=system');
  await sys.until((s) => s.frames().length >= 1, 5000, 'a ticker event');
  assert.match(sys.frames()[0].data, /System update/);
  for (const s of [live, replay, sys]) s.close();
});

// libpq reconnecting from inside the chroot and the seccomp filter: the
// system calls of a fresh connect, after the workers started.
test('PostgreSQL restart: publish answers 503, then works again; a live stream resumes', { timeout: 60000 }, async () => {
  const pg = ['tests/lib/pg.sh', process.env.PROD_PG_VAR, process.env.PROD_PG_PORT];
  const live = stream(`topic=${TOPIC}`);
  await live.until((s) => s.blocks.some((b) => b.kind === 'retry'), 5000, 'retry:');
  execFileSync(pg[0], ['stop', pg[1], pg[2]]);
  try {
    const down = await publish({ topic: TOPIC, data: 'while down' }).catch((e) => ({ status: String(e) }));
    assert.equal(down.status, 503);
  } finally {
    execFileSync(pg[0], ['start', pg[1], pg[2]]);
  }
  const t0 = Date.now();
  let up;
  for (;;) {
    up = await publish({ topic: TOPIC, event: 'prod', data: 'after restart' });
    if (up.status === 201 || Date.now() - t0 > 20000) break;
    await sleep(250);
  }
  console.log(`# publish answered 201 again ${Date.now() - t0} ms after PostgreSQL came back`);
  assert.equal(up.status, 201);
  await live.until((s) => s.frames().some((f) => f.data === 'after restart'), 10000, 'the event after the restart');
  live.close();
});

test('no worker died: same pids, no sandbox violation in the log', async () => {
  await sleep(1500);
  const after = workers();
  assert.deepEqual(after.map((w) => w.pid).sort(), before.map((w) => w.pid).sort());
  const log = fs.readFileSync(LOG, 'utf8');
  assert.doesNotMatch(log, /sandbox violation|seccomp violation|died/);
});
