// Browser tests: Debian's chromium (headless, driven by playwright-core)
// against two real wshub instances on one real redis-server.
//   - two pages chat through the two instances;
//   - restarting the instance a page is on: the page reconnects to the other
//     and recovers what it missed, none lost or doubled;
//   - the operator dashboard shows the instances, connections and channel.
// Screenshots go to artifacts/browser/ (and to docs/images/ with
// WSHUB_UPDATE_SCREENSHOTS=1). Run: node --test tests/browser/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { REPO, RedisServer, WshubServer } from '../../clients/js/test/harness.js';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO, 'artifacts', 'browser');
const TIMEOUT = 15000;

let redis;
let a;
let b;
let browser;
const room = `it-${process.pid}`;
const channel = `chat:${room}`;

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.WSHUB_UPDATE_SCREENSHOTS === '1') {
    fs.copyFileSync(file, path.join(REPO, 'docs', 'images', `${name}.png`));
  }
  return file;
}

// Opens the demo on `server`'s origin; `servers` lists the instances in the order the SDK tries them.
async function openDemo(server, user, servers, { slowReconnect = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 720 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${user}] page error: ${err.message}`));
  if (slowReconnect) {
    // Full jitter drawn at its top: the first reconnect waits ~2 s, long
    // enough for the test to publish the messages this page must then recover.
    await page.addInitScript(() => {
      Math.random = () => 0.99;
    });
  }
  const list = servers.map((s) => `127.0.0.1:${s.port}`).join(',');
  const retry = slowReconnect ? '&retry=2000' : '';
  await page.goto(`${server.url}/?user=${user}&room=${room}&servers=${list}${retry}`);
  return page;
}

async function waitText(page, selector, text) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent === want,
    [selector, text],
    { timeout: TIMEOUT },
  );
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

// Waits until the page has delivered a chat message with this text.
async function waitMessage(page, text) {
  await page.waitForFunction((t) => window.demo.delivered.some((m) => m.text === t), text, { timeout: TIMEOUT });
}

before(async () => {
  redis = await new RedisServer().start();
  // Heartbeats every second: the dashboard's per-instance counts follow quickly.
  const args = ['--heartbeat-interval', '1'];
  a = await new WshubServer({ broker: redis.url, instanceId: 'web-a', args }).start();
  b = await new WshubServer({ broker: redis.url, instanceId: 'web-b', args }).start();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
  await redis?.stop();
});

test('chat across two instances, an instance restart with recovery, and the dashboard', async () => {
  const alice = await openDemo(a, 'alice', [a, b], { slowReconnect: true });
  const bob = await openDemo(b, 'bob', [b, a]);
  await waitText(alice, '#state', 'connected');
  await waitText(bob, '#state', 'connected');
  await waitText(alice, '#instance', 'web-a');
  await waitText(bob, '#instance', 'web-b');
  // Both subscriptions are confirmed before anyone speaks.
  for (const page of [alice, bob]) {
    await page.waitForFunction(() => window.demo.client.subscriptions.get(window.demo.channel)?.subscribed, null, {
      timeout: TIMEOUT,
    });
  }

  // Chat through the two instances, both ways.
  await say(alice, 'hello from a');
  await waitMessage(bob, 'hello from a');
  await say(bob, 'hello from b');
  await waitMessage(alice, 'hello from b');

  // Restart the instance alice is on; bob keeps talking while she is away.
  await a.stop('SIGTERM');
  await waitText(alice, '#state', 'disconnected');
  for (const t of ['missed 1', 'missed 2', 'missed 3']) await say(bob, t);
  await waitMessage(bob, 'missed 3');
  await waitText(alice, '#instance', 'web-b');
  await waitMessage(alice, 'missed 3');
  await a.start();

  await say(bob, 'after the restart');
  await waitMessage(alice, 'after the restart');
  await say(alice, 'back on b');
  await waitMessage(bob, 'back on b');

  const delivered = await alice.evaluate(() => window.demo.delivered);
  assert.deepEqual(
    delivered.map((m) => [m.text, m.recovered]),
    [
      ['hello from a', false],
      ['hello from b', false],
      ['missed 1', true],
      ['missed 2', true],
      ['missed 3', true],
      ['after the restart', false],
      ['back on b', false],
    ],
  );
  for (let i = 1; i < delivered.length; i++) {
    assert.equal(delivered[i].offset, delivered[i - 1].offset + 1, 'offsets without gap or duplicate');
  }
  assert.equal(await alice.locator('#messages li.recovered').count(), 3);
  assert.match(await alice.locator('#activity').textContent(), /3 missed message\(s\) recovered/);
  const bobTexts = (await bob.evaluate(() => window.demo.delivered)).map((m) => m.text);
  assert.deepEqual(bobTexts, delivered.map((m) => m.text));
  await screenshot(alice, 'demo');

  // The dashboard sees the whole hub (both pages are on web-b now).
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const admin = await context.newPage();
  admin.on('pageerror', (err) => console.error(`[admin] page error: ${err.message}`));
  await admin.goto(`${b.url}/admin`);
  await waitText(admin, '#self', 'web-b');
  await waitText(admin, '#t-instances', '2');
  await waitText(admin, '#t-connections', '2');
  await admin.waitForSelector(`#channels tr[data-channel="${channel}"]`, { timeout: TIMEOUT });
  assert.equal(await admin.locator(`#channels tr[data-channel="${channel}"] td.num`).textContent(), '2');
  const rows = await admin.locator('#instances tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.instance));
  assert.deepEqual(rows.sort(), ['web-a', 'web-b']);
  const connections = await admin.locator('#instances tr[data-instance="web-b"] td.num').first().textContent();
  assert.equal(connections, '2', 'both pages are on web-b after the restart');
  await waitText(admin, '#t-broker', 'ready');
  // Traffic for a few seconds: the rates must show it, and the charts get a
  // line. Published through web-a: the rates are the hub's, not web-b's own.
  let published = 0;
  const ticker = setInterval(() => {
    a.publish(channel, { user: 'ticker', text: `tick ${++published}` }).catch(() => {});
  }, 50);
  try {
    await admin.waitForFunction(
      () => {
        const h = window.dashboard.history;
        return h.pubs.filter((v) => v > 5).length >= 3 && h.out.filter((v) => v > 10).length >= 3;
      },
      null,
      { timeout: TIMEOUT },
    );
  } finally {
    clearInterval(ticker);
  }
  await screenshot(admin, 'dashboard');
});

test('dashboard asks for the API key outside --dev and keeps it in sessionStorage', async () => {
  const server = await new WshubServer({ dev: false, args: ['--api-key', 'sekret', '--allow-anonymous'] }).start();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/`);
    await page.waitForSelector('#login:not([hidden])', { timeout: TIMEOUT });
    await page.fill('#api-key', 'wrong');
    await page.press('#api-key', 'Enter');
    await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0, null, {
      timeout: TIMEOUT,
    });
    await page.fill('#api-key', 'sekret');
    await page.press('#api-key', 'Enter');
    await waitText(page, '#t-instances', '1');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wshub.apiKey')), 'sekret');
    assert.equal(await page.locator('#login').isHidden(), true);
  } finally {
    await context.close();
    await server.stop();
  }
});
