/* Case 5: the publish form of one tab delivers to another tab. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, launch, waitForId, waitForPhase } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

test('publishing from the form reaches a second tab', async () => {
  const ctx = await browser.newContext();
  const [sender, receiver] = [await ctx.newPage(), await ctx.newPage()];
  for (const page of [sender, receiver]) {
    await page.goto(`${HTTP}/`);
    await waitForPhase(page, 'OPEN');
  }

  const text = `hello from the form ${Date.now()}`;
  await sender.getByLabel('Token').fill(process.env.SSEHUB_TOKEN);
  await sender.getByLabel('Topic', { exact: true }).fill('form');
  await sender.getByLabel('Data').fill(text);
  await sender.getByRole('button', { name: 'Publish' }).click();
  const status = sender.locator('form .form-status').last();
  await status.filter({ hasText: /Published as id \d+/ })
      .waitFor({ timeout: 5000 });
  const id = Number((await status.textContent()).match(/\d+/)[0]);

  const row = await waitForId(receiver, id);
  assert.match(await row.textContent(), new RegExp(text));
  /* The form stamps sent_at, so the latency chart has a value. */
  assert.match(await receiver.textContent('.chart:nth-child(3) ' +
      '.chart-value'), /\d+ ms/);
  await ctx.close();
});
