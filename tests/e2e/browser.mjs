#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
//
// browser.mjs: a scripted web browser for Bearer's sign-in tests.
//
//   node tests/e2e/browser.mjs URL
//
// Registered as the test session's default web browser (a desktop entry
// for x-scheme-handler/http and https in the test's own XDG_DATA_HOME, see
// test-sign-in.sh), so bearer-cli's real launch path
// (g_app_info_launch_default_for_uri) starts it. It does what a person
// does in oidc-provider's development pages: follows redirects, keeps
// cookies, fills the login form (any login, any password), confirms a
// device code, presses "Continue" on the consent page, and at last follows
// the redirect to Bearer's loopback server, whose page it reads.
//
// Environment:
//   BEARER_TEST_BROWSER_LOG    a file to append what it saw (one line per
//                              step, the last "DONE <status> <text>")
//   BEARER_TEST_BROWSER_ABORT  "1": press [ Abort ] on a device confirmation
//   BEARER_TEST_BROWSER_LOGIN  the login typed (default e2e-user)
//
// Only 127.0.0.1 is ever contacted; at most 30 steps.

import * as fs from 'node:fs';

const logFile = process.env.BEARER_TEST_BROWSER_LOG;
const abort = process.env.BEARER_TEST_BROWSER_ABORT === '1';
const login = process.env.BEARER_TEST_BROWSER_LOGIN ?? 'e2e-user';

function log(line) {
  if (logFile) fs.appendFileSync(logFile, `${line}\n`);
  else process.stderr.write(`${line}\n`);
}

const cookies = new Map(); // host:port -> Map(name -> value)

function cookieHeader(url) {
  const jar = cookies.get(url.host);
  if (!jar) return undefined;
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function keepCookies(url, response) {
  const set = response.headers.getSetCookie?.() ?? [];
  for (const line of set) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (!cookies.has(url.host)) cookies.set(url.host, new Map());
    cookies.get(url.host).set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}

function decode(text) {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// The forms of a page: action, method, and the inputs a person would send.
function forms(html) {
  const found = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1];
    const action = decode(/action="([^"]*)"/i.exec(attrs)?.[1] ?? '');
    const method = (/method="([^"]*)"/i.exec(attrs)?.[1] ?? 'get').toLowerCase();
    const id = /id="([^"]*)"/i.exec(attrs)?.[1] ?? '';
    const fields = [];
    for (const input of m[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = /name="([^"]*)"/i.exec(input[1])?.[1];
      if (!name) continue;
      const type = (/type="([^"]*)"/i.exec(input[1])?.[1] ?? 'text').toLowerCase();
      let value = decode(/value="([^"]*)"/i.exec(input[1])?.[1] ?? '');
      if (name === 'login') value = login;
      else if (type === 'password') value = 'any-password';
      fields.push([name, value]);
    }
    found.push({ action, method, id, fields });
  }
  return found;
}

async function main() {
  let url = new URL(process.argv[2]);
  let method = 'GET';
  let body;
  for (let step = 0; step < 30; step++) {
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
      log(`REFUSED ${url.origin}`);
      process.exit(2);
    }
    const headers = { 'user-agent': 'bearer-test-browser' };
    const cookie = cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, body, headers, redirect: 'manual' });
    keepCookies(url, response);
    log(`${method} ${url.origin}${url.pathname} -> ${response.status}`);
    method = 'GET';
    body = undefined;

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }

    const html = await response.text();
    const page = forms(html);
    // The device confirmation: Continue, or [ Abort ].
    const confirm = page.find((f) => /deviceConfirmForm/.test(f.id));
    const form = confirm ?? page.find((f) => f.method === 'post');
    if (!form) {
      const text = html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ').trim();
      log(`DONE ${response.status} ${text}`);
      return;
    }
    const fields = form.fields.filter(([name]) => name !== 'abort');
    if (confirm && abort) fields.push(['abort', 'yes']);
    url = new URL(form.action || url.href, url);
    method = 'POST';
    body = new URLSearchParams(fields).toString();
  }
  log('GAVE UP after 30 steps');
  process.exit(3);
}

main().catch((error) => {
  log(`ERROR ${error?.stack ?? error}`);
  process.exit(1);
});
