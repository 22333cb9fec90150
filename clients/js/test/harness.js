// Test harness: the real wshub binary and a real redis-server on free
// loopback ports (like tests/integration/wshub_harness.py), and condition
// waits with timeouts. Shared by the SDK tests and tests/browser.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WSHUB_BIN = process.env.WSHUB_BIN || path.join(REPO, 'build/bin/wshub');
export const REDIS_BIN = process.env.REDIS_BIN || '/usr/bin/redis-server';

/** Polls `predicate` (sync or async) until truthy; throws after `timeout` ms. */
export async function waitFor(predicate, { timeout = 10000, interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves with the arguments of the next `event` of an SDK emitter, or throws after `timeout` ms. */
export function nextEvent(emitter, event, { timeout = 10000, filter = () => true } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeout} ms waiting for event ${event}`));
    }, timeout);
    const off = emitter.on(event, (...args) => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

function tmpdir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** One wshub process. `listen` may name a fixed port (to restart at the same address). */
export class WshubServer {
  constructor({ args = [], listen = '127.0.0.1:0', broker, instanceId, dev = true, env = {} } = {}) {
    this.args = args;
    this.listen = listen;
    this.broker = broker;
    this.instanceId = instanceId;
    this.dev = dev;
    this.env = env;
    this.dir = tmpdir('wshub-js-');
    this.proc = null;
    this.port = null;
  }

  command() {
    const cmd = ['serve'];
    if (this.dev) cmd.push('--dev');
    cmd.push('--listen', this.listen);
    if (this.broker) cmd.push('--broker', this.broker);
    if (this.instanceId) cmd.push('--instance-id', this.instanceId);
    return cmd.concat(this.args);
  }

  async start({ timeout = 10000 } = {}) {
    if (!fs.existsSync(WSHUB_BIN)) throw new Error(`wshub binary not found at ${WSHUB_BIN}: build it or set WSHUB_BIN`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WSHUB_')));
    Object.assign(env, this.env);
    const err = fs.openSync(path.join(this.dir, 'stderr.log'), 'a');
    this.proc = spawn(WSHUB_BIN, this.command(), { env, stdio: ['ignore', 'pipe', err] });
    fs.closeSync(err);
    this.exited = once(this.proc, 'exit');
    let out = '';
    const line = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wshub did not start within ${timeout} ms\n${this.stderr()}`)), timeout);
      this.proc.stdout.on('data', (chunk) => {
        out += chunk;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      this.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`wshub exited with ${code} before listening\n${this.stderr()}`));
      });
    });
    const m = /^wshub listening on http:\/\/([0-9.]+):(\d+)\s*$/.exec(line);
    if (!m) throw new Error(`unexpected first line ${JSON.stringify(line)}`);
    this.port = Number(m[2]);
    this.listen = `127.0.0.1:${this.port}`; // a restart comes back at the same address
    this.proc.stdout.resume();
    await waitFor(async () => (await this.fetch('/readyz').catch(() => null))?.status === 200, {
      timeout,
      what: `/readyz on ${this.port}`,
    });
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  stderr() {
    try {
      return fs.readFileSync(path.join(this.dir, 'stderr.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  fetch(p, init) {
    return fetch(this.url + p, init);
  }

  async api(method, p, body) {
    const res = await this.fetch(p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async publish(channel, data) {
    const r = await this.api('POST', '/api/publish', { channel, data });
    if (r.status !== 200) throw new Error(`publish ${channel}: ${r.status} ${r.text}`);
    return r.json;
  }

  /** SIGTERM (graceful drain, close 1001) or another signal; waits for the exit. */
  async stop(signal = 'SIGTERM', timeout = 10000) {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeout);
    await this.exited;
    clearTimeout(timer);
  }

  async restart() {
    await this.stop();
    return this.start();
  }
}

/** A redis-server without persistence on a free port. */
export class RedisServer {
  constructor() {
    this.dir = tmpdir('wshub-js-redis-');
    this.proc = null;
  }

  async start({ timeout = 10000 } = {}) {
    this.port = await freePort();
    this.proc = spawn(
      REDIS_BIN,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    this.exited = once(this.proc, 'exit');
    await waitFor(() => this.ping(), { timeout, what: `redis-server on ${this.port}` });
    return this;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  ping() {
    return new Promise((resolve) => {
      const sock = net.connect(this.port, '127.0.0.1');
      sock.on('error', () => resolve(false));
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => {
        sock.destroy();
        resolve(String(d).startsWith('+PONG'));
      });
    });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}
