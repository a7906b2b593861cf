// An upgrade: `make install` again over the running server, then the
// restart that `systemctl restart` (run by make install under systemd)
// does. Publishers keep publishing throughout, retrying with an
// Idempotency-Key as a client should; a subscriber resumes with
// Last-Event-ID. No acknowledged event may be lost, repeated or
// reordered, and the admin's configuration must come through unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../h2/lib.mjs';
import { CONF, psql, publish, stream, workers, makeInstall, restart } from './lib.mjs';

const TOPIC = `upgrade${process.pid}`;
const KEPT = ['kore.conf', 'env', 'cert/key.pem', 'cert/server.pem'];

function snapshot() {
  return Object.fromEntries(KEPT.map((f) => {
    const p = path.join(CONF, f);
    const st = fs.statSync(p);
    const sum = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    return [f, `${sum} ${st.uid}:${st.gid} ${(st.mode & 0o777).toString(8)}`];
  }));
}

// Publishes one event every few ms until stopped; each is retried with
// its Idempotency-Key until acknowledged. Returns the acked ids.
function publisher() {
  const acked = [];
  let running = true;
  const done = (async () => {
    for (let n = 0; running; n++) {
      const key = `${TOPIC}-${n}`;
      for (;;) {
        const r = await publish({ topic: TOPIC, event: 'up', data: String(n) }, { 'Idempotency-Key': key })
          .catch(() => null);
        if (r && r.status === 201) {
          acked.push(r.json.id);
          break;
        }
        await sleep(50);
      }
      await sleep(10);
    }
    return acked;
  })();
  return { stop: () => { running = false; return done; } };
}

test('make install over a running server, then a restart: no event lost, configuration kept', { timeout: 120000 }, async () => {
  const before = snapshot();
  const pids = workers().map((w) => w.pid).sort();

  const first = stream(`topic=${TOPIC}`, {}, 60);
  await first.until((s) => s.blocks.some((b) => b.kind === 'retry'), 5000, 'retry:');
  const pub = publisher();
  await sleep(500);

  makeInstall();
  // The install replaced the module under the running server: it must
  // still serve, with the same workers (none crashed on the new file).
  const during = await publish({ topic: TOPIC, event: 'up', data: 'after install' });
  assert.equal(during.status, 201);
  assert.deepEqual(workers().map((w) => w.pid).sort(), pids, 'no worker restarted by the install');
  await sleep(300);

  restart();
  await first.exited(10000);
  const last = first.frames().at(-1).id;
  const second = stream(`topic=${TOPIC}`, { 'Last-Event-ID': last }, 60);
  await sleep(1000);
  const acked = [...await pub.stop(), during.json.id].sort((a, b) => a - b);

  const top = acked.at(-1);
  await second.until((s) => s.frames().some((f) => Number(f.id) === top), 10000, `event ${top}`);
  second.close();
  const got = [...first.frames(), ...second.frames()].map((f) => Number(f.id));
  console.log(`# ${acked.length} events acknowledged across the upgrade; ${got.length} received over two streams`);
  assert.deepEqual(got, [...got].sort((a, b) => a - b), 'in id order');
  assert.equal(new Set(got).size, got.length, 'no duplicate');
  assert.deepEqual(got, acked, 'every acknowledged event, nothing else');

  const stored = psql(`SELECT id FROM ssehub.events WHERE topic = '${TOPIC}' ORDER BY id`).split('\n').map(Number);
  assert.deepEqual(stored, acked, 'stored = acknowledged');

  assert.deepEqual(snapshot(), before, 'kore.conf, env and the key unchanged');
});
