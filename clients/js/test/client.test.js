// @wshub/client against the real wshub binary (and real redis-server where
// two instances are needed). Run: node --test test/  (WSHUB_BIN overrides the binary).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';

import { WshubClient, WshubError, backoffDelay, parseFrame, tokenExpiry } from '../wshub.js';
import { RedisServer, WshubServer, freePort, nextEvent, waitFor } from './harness.js';

let counter = 0;
const uniq = (prefix) => `${prefix}-${process.pid}-${++counter}`;

// A WebSocket that records what goes over it, for assertions on the wire.
function spyingWebSocket() {
  const spy = { sent: [], frames: [] };
  spy.WebSocket = class extends NodeWebSocket {
    constructor(url) {
      super(url);
      this.addEventListener('message', (ev) => spy.frames.push(String(ev.data)));
    }
    send(data) {
      spy.sent.push(JSON.parse(data));
      super.send(data);
    }
  };
  return spy;
}

describe('pure helpers', () => {
  test('parseFrame splits \\n-batched frames and skips bad lines', () => {
    const bad = [];
    const out = parseFrame('{"a":1}\n{"b":[1,2]}\n\nnot json\n{"c":"x\\ny"}', (line) => bad.push(line));
    assert.deepEqual(out, [{ a: 1 }, { b: [1, 2] }, { c: 'x\ny' }]);
    assert.deepEqual(bad, ['not json']);
  });

  test('backoffDelay is full jitter under a doubling, capped ceiling', () => {
    assert.equal(backoffDelay(0, 250, 10000, () => 0), 0);
    assert.equal(backoffDelay(0, 250, 10000, () => 0.999), 249);
    assert.equal(backoffDelay(3, 250, 10000, () => 0.5), 1000);
    assert.equal(backoffDelay(50, 250, 10000, () => 0.999), 9990);
  });

  test('a subscription drops messages at or below its last offset; a new epoch restarts', () => {
    const c = new WshubClient('ws://127.0.0.1:1/ws');
    const got = [];
    const sub = c.subscribe('chat:dedupe', (m) => got.push([m.offset, m.epoch, m.recovered]));
    const deliver = (offset, epoch, recovered = false) => sub._deliver({ offset, epoch, data: offset }, recovered);
    assert.equal(deliver(1, 'e1'), true);
    assert.equal(deliver(2, 'e1', true), true);
    assert.equal(deliver(2, 'e1'), false);
    assert.equal(deliver(1, 'e1'), false);
    assert.equal(deliver(3, 'e1'), true);
    assert.equal(deliver(1, 'e2'), true);
    assert.deepEqual(got, [
      [1, 'e1', false],
      [2, 'e1', true],
      [3, 'e1', false],
      [1, 'e2', false],
    ]);
    assert.deepEqual([sub.epoch, sub.offset], ['e2', 1]);
    c.close();
  });

  test('tokenExpiry reads exp from a JWT payload', () => {
    const payload = Buffer.from(JSON.stringify({ sub: '42', exp: 1900000000 })).toString('base64url');
    assert.equal(tokenExpiry(`e30.${payload}.sig`), 1900000000);
    assert.equal(tokenExpiry('garbage'), undefined);
    assert.equal(tokenExpiry(undefined), undefined);
  });
});

describe('one instance', () => {
  let server;
  const clients = [];
  const client = (opts = {}) => {
    const c = new WshubClient(server.wsUrl, { minReconnectDelay: 50, maxReconnectDelay: 200, ...opts });
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await new WshubServer({ instanceId: 'js-solo' }).start();
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  test('connects: state events in order, welcome names the instance', async () => {
    const c = client({ user: 'alice' });
    const states = [];
    c.on('state', (s) => states.push(s));
    const welcome = await c.connect();
    assert.equal(welcome.instance, 'js-solo');
    assert.equal(welcome.user, 'alice');
    assert.match(welcome.client, /\S/);
    assert.deepEqual(states, ['connecting', 'connected']);
    assert.equal(c.state, 'connected');
  });

  test('publish, history and presence resolve; errors reject with the reply code', async () => {
    const c = client({ user: 'bob' });
    await c.connect();
    const channel = uniq('chat:p');
    const got = [];
    const sub = c.subscribe(channel, (m) => got.push(m));
    await sub.ready;
    const first = await c.publish(channel, { text: 'one' });
    const second = await c.publish(channel, { text: 'two' });
    assert.equal(second.offset, first.offset + 1);
    assert.equal(typeof first.epoch, 'string');
    await waitFor(() => got.length === 2, { what: 'two messages' });
    assert.deepEqual(
      got.map((m) => [m.data.text, m.recovered]),
      [
        ['one', false],
        ['two', false],
      ],
    );
    const hist = await c.history(channel, { limit: 10 });
    assert.deepEqual(
      hist.messages.map((m) => m.data.text),
      ['one', 'two'],
    );
    const pres = await c.presence(channel);
    assert.ok(pres.clients.some((x) => x.client === c.welcome.client && x.user === 'bob'));
    await assert.rejects(c.publish('bad channel!', 1), (err) => err instanceof WshubError && err.code === 400);
    assert.ok((await c.ping()) >= 0);
  });

  test('a burst arrives complete, in order, through \\n-batched frames', async () => {
    const spy = spyingWebSocket();
    const c = client({ WebSocket: spy.WebSocket });
    await c.connect();
    const channel = uniq('chat:burst');
    const got = [];
    await c.subscribe(channel, (m) => got.push(m.data)).ready;
    const n = 300;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => c.publish(channel, i)));
    await waitFor(() => got.length === n, { what: `${n} messages, got ${got.length}` });
    assert.deepEqual(
      got,
      Array.from({ length: n }, (_, i) => i),
    );
    for (let i = 1; i < n; i++) assert.equal(replies[i].offset, replies[i - 1].offset + 1);
    assert.ok(
      spy.frames.some((f) => f.includes('\n')),
      'expected at least one frame carrying several objects',
    );
  });

  test('close 4002 (disconnected by the API): no reconnect', async () => {
    const c = client();
    const welcome = await c.connect();
    let connecting = 0;
    c.on('connecting', () => connecting++);
    const closed = nextEvent(c, 'closed');
    const r = await server.api('POST', '/api/disconnect', { client: welcome.client });
    assert.equal(r.status, 200);
    const [info] = await closed;
    assert.equal(info.code, 4002);
    assert.equal(c.state, 'closed');
    // Far beyond the 200 ms backoff ceiling: a reconnect would have started.
    await new Promise((r2) => setTimeout(r2, 800));
    assert.equal(connecting, 0);
    await assert.rejects(c.publish('chat:x', 1), (err) => err.code === 'closed');
  });

  test('close 4000 (slow consumer): reconnects and resubscribes', async () => {
    const c = client();
    const first = await c.connect();
    const channel = uniq('chat:re');
    const got = [];
    await c.subscribe(channel, (m) => got.push(m)).ready;
    const disconnected = nextEvent(c, 'disconnected');
    const reconnected = nextEvent(c, 'connected');
    await server.api('POST', '/api/disconnect', { client: first.client, code: 4000, reason: 'test' });
    const [info] = await disconnected;
    assert.equal(info.code, 4000);
    assert.equal(info.reconnect, true);
    const [second] = await reconnected;
    assert.notEqual(second.client, first.client);
    await waitFor(() => c.subscriptions.get(channel).subscribed, { what: 'resubscribed' });
    await server.publish(channel, 'after');
    await waitFor(() => got.length === 1, { what: 'a message after the reconnect' });
    assert.equal(got[0].data, 'after');
  });

  test('close 4001: asks the token provider again before reconnecting', async () => {
    let calls = 0;
    const c = client({ getToken: async () => `token-${++calls}` });
    const first = await c.connect();
    assert.equal(calls, 1);
    const reconnected = nextEvent(c, 'connected');
    await server.api('POST', '/api/disconnect', { client: first.client, code: 4001, reason: 'expired' });
    await reconnected;
    assert.equal(calls, 2);
    assert.equal(c.state, 'connected');
  });

  test('close 4001 without a token provider: stays closed', async () => {
    const c = client({ token: 'static' });
    const first = await c.connect();
    const closed = nextEvent(c, 'closed');
    await server.api('POST', '/api/disconnect', { client: first.client, code: 4001, reason: 'expired' });
    const [info] = await closed;
    assert.equal(info.code, 4001);
  });

  test('refresh: asks the provider and sends the refresh op before exp', async () => {
    const jwt = (exp) => `e30.${Buffer.from(JSON.stringify({ sub: 'r', exp })).toString('base64url')}.sig`;
    const now = Math.floor(Date.now() / 1000);
    const tokens = [jwt(now + 31), jwt(now + 3600)]; // the first is due for refresh in about a second
    let calls = 0;
    const spy = spyingWebSocket();
    const c = client({ WebSocket: spy.WebSocket, getToken: () => tokens[Math.min(calls++, 1)] });
    const outcome = new Promise((resolve) => {
      c.on('token', (token, reply) => reply && resolve({ token, reply }));
      c.on('error', (err) => resolve({ err }));
    });
    await c.connect();
    await waitFor(() => spy.sent.some((op) => op.op === 'refresh'), { timeout: 5000, what: 'a refresh op' });
    const op = spy.sent.find((o) => o.op === 'refresh');
    assert.equal(op.token, tokens[1]);
    assert.equal(calls, 2);
    const result = await outcome;
    // A --dev server verifies no connection tokens and answers 400; the HS256 test below covers
    // a server that does.
    if (result.err) assert.equal(result.err.code, 400);
    else assert.equal(typeof result.reply.exp, 'number');
    assert.equal(c.state, 'connected');
  });

  test('app-level ping when idle', async () => {
    const spy = spyingWebSocket();
    const c = client({ WebSocket: spy.WebSocket, pingIdle: 150 });
    await c.connect();
    await waitFor(() => spy.sent.some((op) => op.op === 'ping'), { timeout: 3000, what: 'a ping op' });
    const ping = spy.sent.find((op) => op.op === 'ping');
    await waitFor(() => spy.frames.some((f) => f.includes(`"id":${ping.id}`)), { what: 'the ping reply' });
    assert.equal(c.state, 'connected');
  });
});

test('connection tokens: a server verifying HS256 accepts the token and the refresh', async () => {
  const secret = 'js-test-secret';
  const sign = (claims) => {
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  };
  const server = await new WshubServer({ dev: false, args: ['--jwt-secret', secret] }).start();
  try {
    const now = Math.floor(Date.now() / 1000);
    // The first token is due for refresh in about a second; the provider's next one lasts an hour.
    const tokens = [sign({ sub: 'carol', exp: now + 31 }), sign({ sub: 'carol', exp: now + 3600 })];
    let calls = 0;
    const c = new WshubClient(`ws://127.0.0.1:${server.port}/ws`, { getToken: () => tokens[Math.min(calls++, 1)] });
    const refreshed = new Promise((resolve, reject) => {
      c.on('token', (token, reply) => reply && resolve(reply));
      c.on('error', reject);
    });
    const welcome = await c.connect();
    assert.equal(welcome.user, 'carol');
    const reply = await refreshed;
    assert.equal(reply.exp, now + 3600);
    assert.equal(c.state, 'connected');
    c.close();
  } finally {
    await server.stop();
  }
});

test('bounded outgoing buffer while disconnected, flushed in order on connect', async () => {
  const port = await freePort();
  const c = new WshubClient(`ws://127.0.0.1:${port}/ws`, {
    minReconnectDelay: 50,
    maxReconnectDelay: 100,
    maxBuffered: 5,
  });
  c.connect().catch(() => {});
  const channel = uniq('chat:buf');
  const pending = Array.from({ length: 5 }, (_, i) => c.publish(channel, i));
  await assert.rejects(c.publish(channel, 'sixth'), (err) => err.code === 'buffer_full');
  await waitFor(() => c.state === 'disconnected', { what: 'a refused connection' });
  const server = await new WshubServer({ listen: `127.0.0.1:${port}` }).start();
  try {
    const replies = await Promise.all(pending);
    for (let i = 1; i < replies.length; i++) assert.equal(replies[i].offset, replies[0].offset + i);
    const hist = await c.history(channel);
    assert.deepEqual(
      hist.messages.map((m) => m.data),
      [0, 1, 2, 3, 4],
    );
  } finally {
    c.close();
    await server.stop();
  }
});

describe('two instances on one Redis', () => {
  let redis;
  let a;
  let b;
  before(async () => {
    redis = await new RedisServer().start();
    a = await new WshubServer({ broker: redis.url, instanceId: 'js-a' }).start();
    b = await new WshubServer({ broker: redis.url, instanceId: 'js-b' }).start();
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  test('instance restart: reconnects to the other, recovers what it missed, in order, no duplicates', async () => {
    // random() = 0.99: the first reconnect waits ~1.5 s, time enough to publish the gap.
    const c = new WshubClient([a.wsUrl, b.wsUrl], {
      minReconnectDelay: 1500,
      maxReconnectDelay: 3000,
      random: () => 0.99,
    });
    try {
      const welcome = await c.connect();
      assert.equal(welcome.instance, 'js-a');
      const channel = uniq('chat:fail');
      const got = [];
      const sub = c.subscribe(channel, (m) => got.push(m));
      await sub.ready;
      for (const t of ['m1', 'm2', 'm3']) await b.publish(channel, t);
      await waitFor(() => got.length === 3, { what: '3 live messages' });

      const disconnected = nextEvent(c, 'disconnected');
      const stopped = a.stop('SIGTERM');
      const [info] = await disconnected;
      assert.equal(info.code, 1001);
      assert.equal(info.reconnect, true);
      for (const t of ['m4', 'm5', 'm6', 'm7']) await b.publish(channel, t);
      const subscribed = nextEvent(sub, 'subscribed');
      await nextEvent(c, 'connected');
      assert.equal(c.welcome.instance, 'js-b');
      const [sinfo] = await subscribed;
      assert.equal(sinfo.recovered, true);
      assert.equal(sinfo.recoveredCount, 4);
      await b.publish(channel, 'm8');
      await waitFor(() => got.length >= 8, { what: '8 messages' });
      await stopped;

      assert.deepEqual(
        got.map((m) => m.data),
        ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'],
      );
      assert.deepEqual(
        got.map((m) => m.recovered),
        [false, false, false, true, true, true, true, false],
      );
      for (let i = 1; i < got.length; i++) assert.equal(got[i].offset, got[i - 1].offset + 1);
    } finally {
      c.close();
    }
  });
});
