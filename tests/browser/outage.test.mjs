/*
 * Case 2, the seed's proof: SIGKILL the server under a live page. The
 * page says it is reconnecting; meanwhile a peer node publishes to the
 * same database; the server comes back and the page resumes by itself.
 * The ids it rendered across the outage are exactly PostgreSQL's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ARTIFACTS, HTTP, launch, peer, publish, renderedIds, server, storedIds,
    waitForId, waitForPhase } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await browser.close();
  peer('stop');
});

test('resumes after SIGKILL with no gap and no duplicate', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${HTTP}/`);
  await waitForPhase(page, 'OPEN');
  await page.waitForFunction(() =>
      document.querySelectorAll('.feed li[data-id]').length >= 3);

  server('kill');
  await waitForPhase(page, 'RECONNECTING');
  peer('start');
  const missed = await publish([1, 2, 3].map((n) => ({
      topic: 'outage', data: `published while down ${n}` })),
      `http://127.0.0.1:${process.env.BROWSER_PEER_HTTP}`);
  /* Down long enough for at least one failed reconnect. */
  await page.waitForFunction(() => /attempt [2-9]/.test(
      document.querySelector('.badge-detail').textContent),
      null, { timeout: 10000 });
  await page.screenshot({ path: `${ARTIFACTS}outage-down.png` });
  peer('stop');

  server('start');
  await waitForPhase(page, 'OPEN', 10000);
  for (const id of missed)
    await waitForId(page, id);
  const replayed = await page.$$eval('.feed li[data-id]', (rows) =>
      rows.filter((r) => r.querySelector('.replayed')).length);
  assert.ok(replayed >= missed.length, 'outage events marked replayed');

  /* A few live ticks after the replay, then compare. */
  const [live] = await publish({ topic: 'outage', data: 'after' });
  await waitForId(page, live);
  const ids = await renderedIds(page);
  assert.deepEqual(ids, storedIds(ids[0], ids.at(-1)));
  await page.screenshot({ path: `${ARTIFACTS}outage-resumed.png` });
  assert.equal(await page.textContent('[data-stat="gaps"]'), '0');
  assert.equal(await page.textContent('[data-stat="disorder"]'), '0');
});
