/*
 * Case 6: screenshots at 375 and 1440 px, light and dark, into
 * artifacts/ (not committed) for a person to look at; each must fit its
 * width without horizontal scrolling.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ARTIFACTS, HTTP, launch, publish, waitForId } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

for (const width of [375, 1440]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`screenshot ${width} px ${colorScheme}`, async () => {
      const ctx = await browser.newContext({ colorScheme,
          viewport: { width, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${HTTP}/`);
      await page.waitForSelector('.feed li[data-id]');
      const [id] = await publish({ topic: 'shot', data:
          { text: 'timestamped', sent_at: Date.now() } });
      await waitForId(page, id);
      await page.waitForTimeout(4000);	/* chart points */
      const fits = await page.evaluate(() =>
          document.documentElement.scrollWidth <= innerWidth);
      assert.ok(fits, 'no horizontal scrolling');
      await page.screenshot({ fullPage: width < 1000, path:
          `${ARTIFACTS}dashboard-${width}-${colorScheme}.png` });
      await ctx.close();
    });
  }
}
