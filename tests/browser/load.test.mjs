/*
 * Case 1: the page loads over HTTP and HTTPS and ticks within 2 s; and
 * where SharedWorker is missing, each tab streams on its own.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, HTTPS, launch, waitForPhase } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

for (const [name, base] of [['HTTP', HTTP], ['HTTPS', HTTPS]]) {
  test(`over ${name} ticker events appear within 2 s`, async () => {
    /* The certificate is self-signed. */
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await waitForPhase(page, 'OPEN', 2000);
    const row = await page.waitForSelector('.feed li[data-id]',
        { timeout: 2000 });
    assert.match(await row.textContent(), /System update/);
    assert.equal(await page.textContent('[data-stat="mode"]'),
        'shared by tabs');
    /* Kore itself speaks HTTP/1.1 only, TLS or not. */
    assert.equal(await page.textContent('[data-stat="protocol"]'),
        'http/1.1');
    await ctx.close();
  });
}

test('without SharedWorker the tab streams by itself', async () => {
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => { delete window.SharedWorker; });
  const page = await ctx.newPage();
  await page.goto(`${HTTP}/`);
  await page.waitForSelector('.feed li[data-id]', { timeout: 2000 });
  assert.equal(await page.textContent('[data-stat="mode"]'),
      'this tab only');
  await ctx.close();
});
