// The search journey: from the home page to the form, its errors, results
// and a child's record, shielded or not; by mouse and by keyboard, wide and
// narrow.
//
// The Rust harness seeds the store with crates/server/tests/it/helpers.rs's
// `children()` and names two of them through the environment.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertNoBrowserErrors,
  checkAccessibility,
  followTo,
  launchBrowser,
  openPage,
  requiredEnv,
  screenshot,
} from './support.mjs';

/** Amelia Okonkwo: female, born 3 April 2019, LS6 2AB, with carers, services and a CAF. */
const searchChildId = requiredEnv('CONTACTPOINT_SEARCH_CHILD_ID');
/** Zara Quint: the same details as Amelia, but shielded. */
const shieldedChildId = requiredEnv('CONTACTPOINT_SHIELDED_CHILD_ID');

const MOBILE = { width: 375, height: 812 };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Fills the search form's text fields by label and submits it with the button. */
async function search(page, fields) {
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await followTo(page, () => page.getByRole('button', { name: 'Search' }).click());
}

/**
 * Fails if the page is wider than its viewport, so that reading it means
 * scrolling sideways. Data tables, which WCAG 1.4.10 (reflow) exempts, may be
 * wider when `tablesMayOverflow`: then nothing outside a table may be.
 */
async function assertNoSidewaysScrolling(page, { tablesMayOverflow = false } = {}) {
  const viewport = page.viewportSize().width;
  if (!tablesMayOverflow) {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport, `the page is ${width}px wide in a ${viewport}px viewport`);
    return;
  }
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => !el.closest('table') && el.getBoundingClientRect().right > window.innerWidth)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
  );
  assert.deepEqual(wide, [], `wider than the ${viewport}px viewport`);
}

/** The text of `main`, which is all a page says about a child. */
async function mainText(page) {
  return page.locator('main').innerText();
}

test('the start button on the home page leads to the search form', async () => {
  const page = await openPage(browser, '/');

  await followTo(page, () => page.getByRole('button', { name: 'Search for a child' }).click());

  assert.equal(new URL(page.url()).pathname, '/search');
  assert.equal(await page.title(), 'Search for a child – ContactPoint');
  assert.equal(await page.locator('h1').innerText(), 'Search for a child');
  assert.equal(await page.locator('form').getAttribute('method'), 'post');
  await checkAccessibility(page, 'search');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search');
});

test('an empty search shows an error summary whose links lead to the fields', async () => {
  const page = await openPage(browser, '/search');

  await search(page, {});

  assert.match(await page.title(), /^Error: /);
  const summary = page.locator('.govuk-error-summary');
  assert.ok(await summary.isVisible());
  assert.equal(await summary.locator('.govuk-error-summary__title').innerText(), 'There is a problem');
  // autofocus puts the summary first for a screen reader, without JavaScript.
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the summary has focus');
  const links = summary.locator('.govuk-error-summary__list a');
  const count = await links.count();
  assert.ok(count >= 1, 'the summary lists at least one problem');
  assert.equal(await page.locator('main .govuk-error-message').count(), count, 'one inline message per problem');
  for (let i = 0; i < count; i += 1) {
    const link = links.nth(i);
    const message = await link.innerText();
    const target = (await link.getAttribute('href')).replace(/^#/, '');
    const field = page.locator(`[id="${target}"]`);
    assert.equal(await field.count(), 1, `${message}: #${target} is on the page`);
    assert.equal(await field.evaluate((el) => el.tagName), 'INPUT', `${message}: #${target} is a field`);
    // The inline message beside the field says the same.
    const group = field.locator('xpath=ancestor::div[contains(@class, "govuk-form-group--error")]');
    assert.match(await group.locator('.govuk-error-message').innerText(), new RegExp(`${message}$`));
  }
  await checkAccessibility(page, 'search, errors');
  await screenshot(page, 'search-errors');

  const first = (await links.first().getAttribute('href')).replace(/^#/, '');
  await links.first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), first, 'the first link focuses its field');
  assertNoBrowserErrors(page);
});

test('a date of birth given in part is reported once, linking to its day field', async () => {
  const page = await openPage(browser, '/search');

  await search(page, { Surname: 'Okonkwo', Month: '4' });

  const links = page.locator('.govuk-error-summary__list a');
  assert.equal(await links.count(), 1);
  assert.equal(await links.first().getAttribute('href'), '#dob-day');
  assert.match(await links.first().innerText(), /^Date of birth must/);
  // The date's fieldset, not each input, is described by the message.
  const fieldset = page.locator('fieldset:has(#dob-day)');
  assert.match(await fieldset.getAttribute('aria-describedby'), /\bdob-error\b/);
  assert.equal(await page.getByLabel('Month').inputValue(), '4');
  await links.first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'dob-day');

  await checkAccessibility(page, 'search, date in part');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search-errors-date');
});

test('a misspelt search with day and month swapped finds the child, and the address bar shows nothing of it', async () => {
  const page = await openPage(browser, '/search');

  await search(page, {
    Surname: 'Okonkow',
    'Forename (optional)': 'Amelia',
    Day: '4',
    Month: '3',
    Year: '2019',
  });

  const url = new URL(page.url());
  assert.equal(url.pathname, '/search');
  assert.equal(url.search, '', 'no query string');
  assert.doesNotMatch(page.url(), /Okonk|Amelia|2019/);
  const results = page.locator('#results');
  assert.match(await results.locator('h2').innerText(), /^\d+ (child|children) found$/);
  const first = results.locator('.govuk-table tbody tr').first();
  const link = first.locator('td').first().locator('a');
  assert.equal(await link.innerText(), 'Amelia Okonkwo');
  assert.equal(await link.getAttribute('href'), `/children/${searchChildId}`);
  assert.equal(await first.locator('.govuk-tag').innerText(), 'Strong');
  // The form keeps what was typed, so it can be corrected.
  assert.equal(await page.getByLabel('Surname').inputValue(), 'Okonkow');
  assert.equal(await page.title(), 'Search for a child – ContactPoint');

  await checkAccessibility(page, 'search, results');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search-results');
});

test('the result leads to the record: carers, services with the lead professional, and consent', async () => {
  const page = await openPage(browser, '/search');
  await search(page, {
    Surname: 'Okonkow',
    'Forename (optional)': 'Amelia',
    Day: '4',
    Month: '3',
    Year: '2019',
  });

  await followTo(page, () => page.locator('#results').getByRole('link', { name: 'Amelia Okonkwo' }).click());

  assert.equal(new URL(page.url()).pathname, `/children/${searchChildId}`);
  assert.equal(await page.locator('h1').innerText(), 'Amelia Okonkwo');
  assert.equal(await page.title(), 'Amelia Okonkwo – ContactPoint');
  const text = await mainText(page);
  for (const shown of [
    'Grace Okonkwo',
    'Leeds Community Healthcare',
    'Priya Shah',
    'Elm Road Surgery',
    'Recorded with consent',
    'Lead professional',
  ]) {
    assert.ok(text.includes(shown), `the record shows ${shown}`);
  }
  assert.equal(await page.locator('.govuk-warning-text').count(), 0, 'not shielded');
  // No list gives two rows the same key (a practitioner's phone and the organisation's differ).
  for (const list of await page.locator('.govuk-summary-list').all()) {
    const keys = await list.locator('.govuk-summary-list__key').allInnerTexts();
    assert.deepEqual(keys, [...new Set(keys)], `repeated keys in a summary list: ${keys.join(', ')}`);
  }
  assert.equal(await page.getByRole('link', { name: 'Back to search' }).getAttribute('href'), '/search');

  await checkAccessibility(page, 'child record');
  assertNoBrowserErrors(page);
  await screenshot(page, 'child-record');
});

test('a shielded child’s record warns and shows no address, carers or services', async () => {
  const page = await openPage(browser, `/children/${shieldedChildId}`);

  assert.equal(await page.locator('h1').innerText(), 'Zara Quint');
  const warning = page.locator('.govuk-warning-text');
  assert.ok(await warning.isVisible());
  assert.match(await warning.innerText(), /This record is shielded/);
  assert.match(await warning.innerText(), /Leeds local management team/);
  const text = await mainText(page);
  assert.match(text, /3 April 2019/);
  assert.match(text, /Female/);
  for (const hidden of [
    'LS6',
    'LS7',
    'Church Lane',
    'Grace Okonkwo',
    'Leeds Community Healthcare',
    'Elm Road Surgery',
    'Leeds CAMHS',
    'Priya Shah',
    'Lead professional',
  ]) {
    assert.ok(!text.includes(hidden), `a shielded record does not show ${hidden}`);
  }

  await checkAccessibility(page, 'child record, shielded');
  assertNoBrowserErrors(page);
  await screenshot(page, 'child-shielded');
});

test('a search that matches no one says so', async () => {
  const page = await openPage(browser, '/search');

  await search(page, { Surname: 'Mensah', 'Postcode (optional)': 'M1 1AE' });

  const results = page.locator('#results');
  assert.equal(await results.locator('h2').innerText(), 'No children found');
  assert.equal(await results.locator('table').count(), 0);
  assert.equal(await page.locator('.govuk-error-summary').count(), 0);

  await checkAccessibility(page, 'search, no match');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search-no-match');
});

test('the form can be filled and sent with the keyboard alone', async () => {
  const page = await openPage(browser, '/search');
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');

  // Past the skip link and the header to the first field.
  for (let presses = 0; presses < 5 && (await focusedId()) !== 'surname'; presses += 1) {
    await page.keyboard.press('Tab');
  }
  for (const [id, typed] of [
    ['surname', 'Okonkwo'],
    ['forename', 'Amelia'],
    ['dob-day', '3'],
    ['dob-month', '4'],
    ['dob-year', '2019'],
  ]) {
    if (id !== 'surname') await page.keyboard.press('Tab');
    assert.equal(await focusedId(), id, 'Tab moves through the fields in order');
    await page.keyboard.type(typed);
  }
  await followTo(page, () => page.keyboard.press('Enter'));

  const first = page.locator('#results .govuk-table tbody tr').first();
  assert.equal(await first.locator('a').innerText(), 'Amelia Okonkwo');
  assert.equal(await first.locator('.govuk-tag').innerText(), 'Exact');

  await checkAccessibility(page, 'search by keyboard, results');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search-keyboard');
});

test('the results read on a narrow phone screen, only the table wider than it', async () => {
  const page = await openPage(browser, '/search', { viewport: MOBILE });

  await search(page, { Surname: 'Okonkwo', Day: '3', Month: '4', Year: '2019' });

  assert.equal(await page.locator('#results tbody tr a').first().innerText(), 'Amelia Okonkwo');
  // The results table, with five columns, may still be a little wider than a phone.
  await assertNoSidewaysScrolling(page, { tablesMayOverflow: true });
  await checkAccessibility(page, 'search results, mobile');
  assertNoBrowserErrors(page);
  await screenshot(page, 'search-results-mobile');
});

test('the record reads on a narrow phone screen without sideways scrolling', async () => {
  const page = await openPage(browser, `/children/${searchChildId}`, { viewport: MOBILE });

  assert.equal(await page.locator('h1').innerText(), 'Amelia Okonkwo');
  await assertNoSidewaysScrolling(page);

  await checkAccessibility(page, 'child record, mobile');
  assertNoBrowserErrors(page);
  await screenshot(page, 'child-record-mobile');
});
