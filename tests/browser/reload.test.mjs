/*
 * Case 3: close the page, publish, open it again. It resumes from the
 * last id it rendered: what was published meanwhile appears, once, and
 * nothing before it is fetched again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, assertNoDuplicates, launch, publish, renderedIds,
    storedIds, waitForId, waitForPhase } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

test('a reopened page shows what it missed, none twice', async () => {
  const ctx = await browser.newContext();
  let page = await ctx.newPage();
  await page.goto(`${HTTP}/`);
  await page.waitForSelector('.feed li[data-id]');
  await page.close();
  /* The client library keeps the cursor per server and topic set. */
  const lastSeen = (await ctx.storageState()).origins[0].localStorage
      .find((kv) => kv.name === `ssehub:${HTTP}:*`);
  const lastId = Number(lastSeen.value);

  const missed = await publish([1, 2, 3].map((n) => ({
      topic: 'reload', data: `while closed ${n}` })));

  page = await ctx.newPage();
  await page.goto(`${HTTP}/`);
  await waitForPhase(page, 'OPEN');
  for (const id of missed)
    await waitForId(page, id);

  const ids = await renderedIds(page);
  assertNoDuplicates(ids);
  assert.equal(ids[0], lastId + 1, 'resumed right after the last id');
  assert.deepEqual(ids, storedIds(lastId + 1, ids.at(-1)));
  await ctx.close();
});
