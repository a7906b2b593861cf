// A stream through the HTTP/2 front outlives nginx's default 60 s
// proxy_read_timeout.
//
// nginx's proxy_read_timeout is the longest wait between two reads from
// the upstream, not a limit on the whole response: with a 5 s heartbeat
// even the 60 s default would never fire, and holding a stream 70 s would
// prove nothing. So run.sh starts ssehub with SSEHUB_HEARTBEAT_MS=64000 and
// this test makes the upstream silent for more than 60 s: three events
// published one at a time in the first seconds, then nothing but the next
// heartbeat 60-65 s later, then one more event. The same stream through a
// second front, identical but for proxy_read_timeout (nginx's default),
// is cut after 60 s of silence: the control that the silence was real.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRONT, FRONT_DEFAULT, HEARTBEAT_MS, CurlStream, publish, sleep } from './lib.mjs';

const TOPIC = `h2hold${process.pid}`;
const MAX_TIME = 75; // s, curl's own limit: a clean exit 28 with -w written

test('curl --http2 through the front: h2, frames one at a time, a heartbeat after >60 s of silence', { timeout: 120000 }, async () => {
  assert.ok(HEARTBEAT_MS > 61000 && HEARTBEAT_MS < 70000, `run.sh must set SSEHUB_HEARTBEAT_MS in 61-70 s, got ${HEARTBEAT_MS}`);
  const url = (p) => `https://127.0.0.1:${p}/stream?topic=${TOPIC}`;
  const s = new CurlStream(url(FRONT), { maxTime: MAX_TIME });
  const control = new CurlStream(url(FRONT_DEFAULT), { maxTime: MAX_TIME });
  try {
    await s.until((x) => x.blocks.some((b) => b.kind === 'retry'), 5000, 'retry: on the shipped front');
    await control.until((x) => x.blocks.some((b) => b.kind === 'retry'), 5000, 'retry: on the control front');

    // Frames one at a time: each event arrives, alone, before the next
    // is published.
    const latencies = [];
    for (let i = 0; i < 3; i++) {
      const before = s.frames().length;
      const t0 = Date.now();
      const r = await publish(FRONT, { topic: TOPIC, event: 'step', data: `frame ${i}` });
      assert.equal(r.status, 201, `publish ${i}: ${r.body}`);
      await s.until((x) => x.frames().length === before + 1, 2000, `frame ${i}`);
      const f = s.frames()[before];
      assert.equal(f.data, `frame ${i}`);
      assert.equal(Number(f.id), r.json.id);
      const chunk = s.chunks.find((c) => c.t === f.t && c.text.includes(`frame ${i}`));
      assert.ok(chunk && !chunk.text.includes(`frame ${i - 1}`) && !chunk.text.includes(`frame ${i + 1}`),
        `frame ${i} did not arrive alone: ${JSON.stringify(chunk)}`);
      latencies.push(f.t - t0);
      await sleep(300);
    }
    const lastEvent = s.frames().at(-1).t;
    console.log(`# publish -> curl over h2: ${latencies.join(', ')} ms`);

    // Silence until a heartbeat more than 60 s after the last event.
    await s.until((x) => x.heartbeats().some((h) => h.t - lastEvent > 60000), HEARTBEAT_MS + 8000,
      'a heartbeat more than 60 s after the last event');
    const beat = s.heartbeats().find((h) => h.t - lastEvent > 60000);
    const gaps = s.chunks.slice(1).map((c, i) => c.t - s.chunks[i].t);
    const maxGap = Math.max(...gaps);
    console.log(`# longest silence on the stream: ${(maxGap / 1000).toFixed(1)} s; heartbeats: ${s.heartbeats().length}; ` +
      `stream age: ${((beat.t - s.started) / 1000).toFixed(1)} s`);
    assert.ok(maxGap > 60000, `longest silence only ${maxGap} ms`);
    assert.equal(s.exit, null, 'the stream through the shipped front closed');

    // Still live after the silence.
    const r = await publish(FRONT, { topic: TOPIC, event: 'step', data: 'after the silence' });
    assert.equal(r.status, 201);
    await s.until((x) => x.frames().some((f) => f.data === 'after the silence'), 2000, 'the event after the silence');
    assert.deepEqual(s.frames().map((f) => Number(f.id)).slice(-1), [r.json.id]);

    // The control front (proxy_read_timeout 60 s) cut its copy.
    assert.notEqual(control.exit, null, 'the control stream survived: the silence proved nothing');
    const controlLast = control.chunks.filter((c) => !c.text.includes('@@http_version')).at(-1).t;
    const cutAfter = control.exit.t - controlLast;
    console.log(`# control front (nginx default proxy_read_timeout): closed after ${(cutAfter / 1000).toFixed(1)} s ` +
      `of silence, curl exit ${control.exit.code}; heartbeats seen: ${control.heartbeats().length}`);
    assert.ok(cutAfter > 58000 && cutAfter < 63000, `control closed after ${cutAfter} ms`);
    assert.equal(control.heartbeats().length, 0, 'the control stream got a heartbeat');

    // curl's own deadline ends the stream: -w reports the protocol.
    await s.exited((MAX_TIME + 5) * 1000);
    assert.equal(s.exit.code, 28, `curl exit ${s.exit.code}: ${s.stderr}`);
    assert.equal(s.exit.httpVersion, '2');
    console.log(`# shipped front: stream held ${((s.exit.t - s.started) / 1000).toFixed(1)} s, ` +
      `curl -w %{http_version} = ${s.exit.httpVersion}`);
  } finally {
    s.close();
    control.close();
  }
});
