// What every browser test needs: Debian's Chromium, pages of the server under
// test, axe's accessibility checks and screenshots.
//
// The server's address comes from CONTACTPOINT_BASE_URL (the Rust test
// crates/server/tests/it/browser.rs starts a server and sets it).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** WCAG 2.2 AA, as axe tags it: each level's rules are tagged by the version that added them. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The server under test, without a trailing slash. */
export function baseUrl() {
  const url = process.env.CONTACTPOINT_BASE_URL;
  assert.ok(url, 'set CONTACTPOINT_BASE_URL to the address of a running ContactPoint server');
  return url.replace(/\/+$/, '');
}

/** Where screenshots go: CONTACTPOINT_SCREENSHOTS, or tests/browser/screenshots/. */
export function screenshotDir() {
  return path.resolve(process.env.CONTACTPOINT_SCREENSHOTS || path.join(here, 'screenshots'));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** What went wrong in the browser while a page was open: console errors
 * (a CSP violation is one), uncaught exceptions, failed or 4xx/5xx loads. */
const problems = new WeakMap();

/**
 * Opens `pathAndQuery` on the server in a fresh context (no cookies carried
 * over) and asserts that it answered 200. Watches for browser errors, which
 * `assertNoBrowserErrors` checks.
 */
export async function openPage(browser, pathAndQuery, { status = 200, viewport } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const seen = [];
  problems.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`exception: ${error.message}`));
  page.on('requestfailed', (request) =>
    seen.push(`failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') {
      seen.push(`${response.status()}: ${response.url()}`);
    }
  });
  const response = await page.goto(baseUrl() + pathAndQuery);
  assert.ok(response, `no response for ${pathAndQuery}`);
  assert.equal(response.status(), status, `status of ${pathAndQuery}`);
  return page;
}

/** Fails if the browser reported an error while `page` was open. */
export function assertNoBrowserErrors(page) {
  const seen = problems.get(page) ?? [];
  assert.deepEqual(seen, [], `the browser reported errors:\n${seen.join('\n')}`);
}

/** Runs axe on the page as it is now and fails on any WCAG 2.2 A or AA violation. */
export async function checkAccessibility(page, name) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const violations = results.violations;
  assert.equal(
    violations.length,
    0,
    `${name}: ${violations.length} accessibility violation(s)\n${describeViolations(violations)}`,
  );
}

function describeViolations(violations) {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map((node) => `    at ${node.target.join(' ')}\n      ${(node.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      return `  [${violation.impact}] ${violation.id}: ${violation.help}\n    ${violation.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/** Saves a full-page PNG as `<name>.png` in the screenshot folder; returns its path. */
export async function screenshot(page, name) {
  const dir = screenshotDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The value of an environment variable the Rust harness sets; fails, naming it, when it is unset. */
export function requiredEnv(name) {
  const value = process.env[name];
  assert.ok(value, `set ${name} (crates/server/tests/it/browser.rs sets it to match the seeded store)`);
  return value;
}

/**
 * Runs `action` (a click, a key press) that loads a new page in `page`, and
 * waits until that page has loaded; asserts that it answered `status`.
 */
export async function followTo(page, action, { status = 200 } = {}) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame(),
    ),
    page.waitForEvent('load'),
    action(),
  ]);
  assert.equal(response.status(), status, `status of ${response.request().method()} ${response.url()}`);
  return response;
}
