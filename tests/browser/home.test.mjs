import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertNoBrowserErrors,
  checkAccessibility,
  launchBrowser,
  openPage,
  screenshot,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the home page says what the service is, in the GOV.UK patterns with Arial', async () => {
  const page = await openPage(browser, '/');

  assert.equal(await page.title(), 'ContactPoint');
  assert.equal(await page.locator('h1').innerText(), 'ContactPoint');
  assert.match(await page.locator('main').innerText(), /who else is working with a child/);
  // The generic header names the service and links home; no crown or logotype.
  const home = page.locator('header .govuk-generic-header__homepage-link');
  assert.equal(await home.innerText(), 'ContactPoint');
  assert.equal(await home.getAttribute('href'), '/');
  assert.equal(await page.locator('header svg, footer svg, img').count(), 0);
  assert.equal(await page.locator('.govuk-phase-banner .govuk-tag').innerText(), 'Beta');
  assert.match(await page.locator('.govuk-phase-banner__text').innerText(), /^This is a new service\./);
  // The style sheet loaded, with Arial in place of GDS Transport.
  const font = await page.locator('main p').first().evaluate((p) => getComputedStyle(p).fontFamily);
  assert.equal(font, "arial, sans-serif");
  assert.equal(await page.locator('script').count(), 0);

  await checkAccessibility(page, 'home');
  assertNoBrowserErrors(page);
  await screenshot(page, 'home');
});

test('the skip link is the first thing a keyboard reaches and leads to the main content', async () => {
  const page = await openPage(browser, '/');

  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  assert.equal(await focused.innerText(), 'Skip to main content');
  await page.keyboard.press('Enter');

  assert.equal(new URL(page.url()).hash, '#main-content');
  await checkAccessibility(page, 'home, skip link followed');
});
