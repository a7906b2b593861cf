/*
 * Case 4: eight tabs over plain HTTP/1.1, where a browser opens at most
 * six connections per origin: all get a new event within 5 s, because
 * they share one stream (the server counts one subscriber).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, launch, publish, subscribers, waitForId, waitForPhase } from
    './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

test('eight tabs all receive a new event within 5 s', async () => {
  const ctx = await browser.newContext();
  const pages = [];
  for (let i = 0; i < 8; i++) {
    const page = await ctx.newPage();
    await page.goto(`${HTTP}/`);
    pages.push(page);
  }
  await Promise.all(pages.map((p) => waitForPhase(p, 'OPEN')));
  assert.equal(await subscribers(), 1, 'one stream for eight tabs');

  const [id] = await publish({ topic: 'tabs', data: 'to all tabs' });
  await Promise.all(pages.map((p) => waitForId(p, id, 5000)));
  await ctx.close();
});
