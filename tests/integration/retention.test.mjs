// Retention: old events are trimmed in small batches while publishing
// goes on; the table stays bounded; an old cursor gets a reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, Stream, publish, psql, sleep } from './lib.mjs';

const HTTP = 18780;
const HTTPS = 19143;
const KEEP = 500;

before(() => startServer('retention', HTTP, HTTPS, { SSEHUB_RETAIN_EVENTS: String(KEEP) }));
after(() => stopServer('retention'));

const count = () => Number(psql('SELECT count(*) FROM ssehub.events'));
const size = () => Number(psql("SELECT pg_total_relation_size('ssehub.events')"));

test('the table stays bounded under a long run of publishes', async () => {
  const sizes = [];
  let first = null;
  for (let round = 0; round < 10; round++) {
    for (let b = 0; b < 4; b++) {
      const events = Array.from({ length: 500 }, (_, i) => ({ topic: 'ret', data: `r${round}-${b}-${i}-${'x'.repeat(50)}` }));
      const r = await publish(HTTP, events);
      assert.equal(r.status, 201);
      first ??= r.json.ids[0];
    }
    // Trimming runs each second, batch after batch while behind.
    let n = count();
    for (let i = 0; i < 50 && n > KEEP; i++) {
      await sleep(100);
      n = count();
    }
    assert.ok(n <= KEEP, `round ${round}: ${n} events kept`);
    sizes.push(size());
  }
  psql('VACUUM ssehub.events');
  console.log(`events kept ${count()}; table+index bytes per round: ${sizes.join(' ')}; after VACUUM ${size()}`);
  // Bounded: the last rounds are not larger than twice the early ones.
  assert.ok(sizes[9] <= 2 * sizes[2], `grew from ${sizes[2]} to ${sizes[9]}`);
  const trimmed = Number(psql('SELECT trimmed_through FROM ssehub.trim'));
  assert.ok(trimmed >= first + 20000 - KEEP - 1, `trimmed through ${trimmed}`);

  // A cursor from before the trim point: reset, oldest kept id, then the rest.
  const s = new Stream(HTTP, { path: '/stream?topic=ret', headers: { 'Last-Event-ID': String(first) } });
  await s.until((x) => x.events.length >= 1, 3000, 'reset');
  assert.equal(s.events[0].event, 'reset');
  const oldest = Number(psql('SELECT min(id) FROM ssehub.events'));
  assert.equal(Number(s.events[0].data), Number(psql('SELECT trimmed_through FROM ssehub.trim')) + 1);
  await s.until((x) => x.events.length >= count() + 1, 5000, 'everything kept');
  assert.equal(s.ids()[0], oldest);
  s.close();
});
