#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
//
// chromium-browser.mjs: Debian's Chromium, headless, as the default web
// browser of a sign-in test (test-sign-in.sh registers it the same way as
// browser.mjs). Driven through puppeteer-core, it does what a person does
// on oidc-provider's development pages: types a login and a password,
// presses Sign-in, then Continue on the consent page, and lands on Bearer's
// loopback redirect, whose page it logs.
//
//   node tests/e2e/chromium-browser.mjs URL
//
// Environment: BEARER_TEST_BROWSER_LOG (a file, as browser.mjs),
// BEARER_TEST_CHROMIUM (default /usr/bin/chromium).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import puppeteer from 'puppeteer-core';

const logFile = process.env.BEARER_TEST_BROWSER_LOG;
function log(line) {
  if (logFile) fs.appendFileSync(logFile, `${line}\n`);
  else process.stderr.write(`${line}\n`);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bearer-chromium-'));
const started = Date.now();
let browser;
try {
  browser = await puppeteer.launch({
    executablePath: process.env.BEARER_TEST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    // As root, without a GPU, on a machine whose network is closed: no
    // sandbox, and none of Chromium's background connections.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  log(`CHROMIUM ${await browser.version()} started in ${Date.now() - started} ms`);
  const page = await browser.newPage();
  await page.goto(process.argv[2], { waitUntil: 'load' });
  for (let step = 0; step < 10; step++) {
    const where = new URL(page.url());
    log(`PAGE ${where.origin}${where.pathname}`);
    if (await page.$('input[name="login"]')) {
      await page.type('input[name="login"]', process.env.BEARER_TEST_BROWSER_LOGIN ?? 'e2e-user');
      await page.type('input[name="password"]', 'any-password');
    } else if (!(await page.$('input[name="prompt"][value="consent"]'))) {
      const text = (await page.evaluate(() => document.body.innerText)).replace(/\s+/g, ' ').trim();
      log(`DONE ${text}`);
      log(`CHROMIUM finished in ${Date.now() - started} ms`);
      break;
    }
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('button[type="submit"]'),
    ]);
  }
} catch (error) {
  log(`ERROR ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
