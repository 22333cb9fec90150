// @wshub/client: a small client for the wshub WebSocket gateway.
//
// One ES module, no build step, no dependencies in browsers. In Node it uses
// the global WebSocket when there is one (Node 22+) and otherwise the `ws`
// package (an optional peer dependency), loaded only when needed.
//
// Wire contract: PROTOCOL.md (ops and replies, `\n`-batched frames, close
// codes in section 5). Types and documentation: index.d.ts.

/** Close codes after which the client does not reconnect (PROTOCOL.md section 5). */
export const NO_RECONNECT_CODES = Object.freeze([1000, 1003, 1007, 1008, 1009, 4002]);
/** Close code meaning "unauthorized or token expired": reconnect only with a new token. */
export const CLOSE_UNAUTHORIZED = 4001;

const DEFAULTS = Object.freeze({
  minReconnectDelay: 250, // ms: first backoff ceiling
  maxReconnectDelay: 10000, // ms: backoff ceiling cap
  requestTimeout: 10000, // ms: a reply not received by then rejects the promise
  maxBuffered: 100, // ops (publish, history, presence, ping) queued while disconnected
  refreshMargin: 30, // s before `exp` at which the token is refreshed
  pingIdle: 0, // ms of silence before an app-level ping; 0: half the server's ping_interval
});

/** Error of a failed operation. `code` is the reply's HTTP-like code, or a string for local failures. */
export class WshubError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'WshubError';
    this.code = code;
  }
}

/**
 * Splits one WebSocket text frame into the JSON objects it carries (one per
 * `\n`-separated line). Lines that are not valid JSON are skipped and
 * reported to `onBad` when given.
 */
export function parseFrame(text, onBad) {
  const out = [];
  for (const line of String(text).split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      if (onBad) onBad(line, err);
    }
  }
  return out;
}

/** The `exp` claim (seconds since the epoch) of a JWT, or undefined. Does not verify anything. */
export function tokenExpiry(token) {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length < 2) return undefined;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const json =
      typeof atob === 'function'
        ? atob(padded)
        : globalThis.Buffer.from(padded, 'base64').toString('binary');
    const claims = JSON.parse(json);
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/** Full-jitter exponential backoff: a delay uniformly drawn from [0, min(max, min * 2^attempt)). */
export function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
  const ceiling = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

async function resolveWebSocket(explicit) {
  if (explicit) return explicit;
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  try {
    const mod = await import('ws');
    return mod.WebSocket || mod.default;
  } catch {
    throw new WshubError(
      'no_websocket',
      'no WebSocket implementation: use Node 22+, install the "ws" package, or pass options.WebSocket',
    );
  }
}

class Emitter {
  #handlers = new Map();
  on(event, fn) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event).add(fn);
    return () => this.off(event, fn);
  }
  once(event, fn) {
    const off = this.on(event, (...args) => {
      off();
      fn(...args);
    });
    return off;
  }
  off(event, fn) {
    this.#handlers.get(event)?.delete(fn);
  }
  emit(event, ...args) {
    const set = this.#handlers.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        // A listener's bug must not break the connection; surface it instead.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }
}

/**
 * One channel subscription. Survives reconnects: after each reconnect the
 * client resubscribes with `since` = the last offset delivered, and the
 * messages missed meanwhile are delivered first, in order, with `recovered: true`.
 */
export class Subscription extends Emitter {
  constructor(client, channel, options) {
    super();
    this.client = client;
    this.channel = channel;
    this.epoch = options.since?.epoch;
    this.offset = options.since?.offset;
    this.active = true;
    this.subscribed = false;
    this._ready = null;
  }

  /** Resolves when the server confirmed the (first) subscription. */
  get ready() {
    return this._ready;
  }

  /** Stops the subscription (and tells the server when connected). */
  unsubscribe() {
    return this.client._unsubscribe(this);
  }

  // Delivers one message unless it was already delivered (by offset and epoch).
  _deliver(msg, recovered) {
    if (typeof msg.offset === 'number') {
      if (msg.epoch !== undefined && this.epoch !== undefined && msg.epoch !== this.epoch) {
        this.offset = undefined; // a new epoch restarts the sequence
      }
      if (this.offset !== undefined && msg.offset <= this.offset) return false;
      this.offset = msg.offset;
      if (msg.epoch !== undefined) this.epoch = msg.epoch;
    }
    this.emit('message', {
      channel: this.channel,
      data: msg.data,
      offset: msg.offset,
      epoch: msg.epoch,
      recovered,
    });
    return true;
  }
}

/**
 * A connection to wshub that reconnects, resubscribes and recovers.
 * Events: state, connecting, connected, disconnected, message, push, error, token.
 */
export class WshubClient extends Emitter {
  constructor(urls, options = {}) {
    super();
    this.urls = (Array.isArray(urls) ? urls : [urls]).map(String);
    if (this.urls.length === 0) throw new TypeError('wshub: at least one URL is needed');
    this.options = { ...DEFAULTS, ...options };
    this.state = 'idle';
    this.welcome = null;
    this.subscriptions = new Map(); // channel -> Subscription
    this._ws = null;
    this._attempt = 0;
    this._urlIndex = 0;
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, timer, frame}
    this._outbox = []; // ops queued while disconnected: {frame, entry}
    this._token = options.token;
    this._tokenProvider = options.getToken;
    this._needNewToken = false;
    this._reconnectTimer = null;
    this._refreshTimer = null;
    this._pingTimer = null;
    this._lastSent = 0;
    this._random = options.random || Math.random;
  }

  /** The URL of the current (or last) connection attempt. */
  get url() {
    return this._currentUrl;
  }

  /** Opens the connection (and keeps it open until close()). Resolves on the first welcome. */
  connect() {
    if (this.state === 'closed') return Promise.reject(new WshubError('closed', 'client was closed'));
    if (this.state === 'idle') {
      this._closing = false;
      this._open();
    }
    if (this.state === 'connected') return Promise.resolve(this.welcome);
    return new Promise((resolve, reject) => {
      const offs = [
        this.once('connected', (w) => {
          offs.forEach((f) => f());
          resolve(w);
        }),
        this.once('closed', (info) => {
          offs.forEach((f) => f());
          reject(new WshubError(info.code, `connection closed: ${info.reason || info.code}`));
        }),
      ];
    });
  }

  /** Closes for good: no reconnect; pending and queued ops are rejected. */
  close(code = 1000, reason = '') {
    this._closing = true;
    clearTimeout(this._reconnectTimer);
    this._stopTimers();
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
    }
    this._failAll(new WshubError('closed', 'client closed'), true);
    this._setState('closed', { code, reason });
  }

  /** Subscribes to `channel`; `handler` (optional) receives every message. */
  subscribe(channel, handler, options = {}) {
    if (this.subscriptions.has(channel)) {
      const existing = this.subscriptions.get(channel);
      if (handler) existing.on('message', handler);
      return existing;
    }
    const sub = new Subscription(this, channel, options);
    if (handler) sub.on('message', handler);
    this.subscriptions.set(channel, sub);
    sub._ready = new Promise((resolve, reject) => {
      sub._resolveReady = resolve;
      sub._rejectReady = reject;
    });
    sub._ready.catch(() => {}); // callers that never await it must not see an unhandled rejection
    if (this.state === 'connected') this._sendSubscribe(sub);
    return sub;
  }

  /** Publishes `data` (any JSON value) to `channel`. Resolves with {offset, epoch}. */
  publish(channel, data) {
    return this._request({ op: 'publish', channel, data });
  }

  /** History of `channel`: {epoch, offset, messages}. */
  history(channel, { limit, since } = {}) {
    const op = { op: 'history', channel };
    if (limit !== undefined) op.limit = limit;
    if (since !== undefined) op.since = since;
    return this._request(op);
  }

  /** Who is subscribed to `channel`: {clients: [{client, user}]}. */
  presence(channel) {
    return this._request({ op: 'presence', channel });
  }

  /** An application-level ping; resolves with the round-trip time in ms. */
  async ping() {
    const start = Date.now();
    await this._request({ op: 'ping' });
    return Date.now() - start;
  }

  // ---- connection -------------------------------------------------------

  async _open() {
    if (this._closing) return;
    const url = this.urls[this._urlIndex % this.urls.length];
    this._urlIndex++;
    this._currentUrl = url;
    this._setState('connecting', { url, attempt: this._attempt });
    let ws;
    try {
      const WebSocketImpl = await resolveWebSocket(this.options.WebSocket);
      if (this._tokenProvider && (this._needNewToken || this._token === undefined)) {
        this._token = await this._tokenProvider();
        this._needNewToken = false;
        this.emit('token', this._token);
      }
      if (this._closing) return;
      const target = new URL(url);
      if (this._token) target.searchParams.set('token', this._token);
      if (this.options.user !== undefined) target.searchParams.set('user', this.options.user);
      ws = new WebSocketImpl(target.toString());
    } catch (err) {
      this.emit('error', err);
      this._scheduleReconnect({ code: 1006, reason: String(err?.message || err) });
      return;
    }
    this._ws = ws;
    ws.onmessage = (ev) => {
      if (this._ws !== ws) return;
      this._lastReceived = Date.now();
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data);
      for (const msg of parseFrame(text, (line) => this.emit('error', new WshubError('bad_frame', line)))) {
        this._onServerObject(msg);
      }
    };
    ws.onclose = (ev) => {
      if (this._ws !== ws) return;
      this._ws = null;
      this._onClose({ code: ev.code, reason: ev.reason || '' });
    };
    ws.onerror = () => {
      // A close event always follows; it carries the code.
    };
  }

  _onClose({ code, reason }) {
    this._stopTimers();
    const wasConnected = this.state === 'connected';
    // In-flight ops may or may not have been applied: fail them rather than risk a double publish.
    for (const [id, entry] of this._pending) {
      if (entry.sent) {
        clearTimeout(entry.timer);
        this._pending.delete(id);
        entry.reject(new WshubError('disconnected', `connection lost before the reply (close ${code})`));
      }
    }
    for (const sub of this.subscriptions.values()) sub.subscribed = false;
    if (this._closing) return;
    let reconnect = !NO_RECONNECT_CODES.includes(code);
    if (code === CLOSE_UNAUTHORIZED) {
      reconnect = Boolean(this._tokenProvider);
      this._needNewToken = true;
    }
    this.emit('disconnected', { code, reason, reconnect, wasConnected });
    if (!reconnect) {
      this._closing = true;
      this._failAll(new WshubError(code, `connection closed for good: ${reason || code}`), true);
      this._setState('closed', { code, reason });
      return;
    }
    this._scheduleReconnect({ code, reason });
  }

  _scheduleReconnect({ code, reason }) {
    if (this._closing) return;
    const delay = backoffDelay(
      this._attempt,
      this.options.minReconnectDelay,
      this.options.maxReconnectDelay,
      this._random,
    );
    this._attempt++;
    this._setState('disconnected', { code, reason, delay });
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = setTimeout(() => this._open(), delay);
  }

  _setState(state, detail = {}) {
    this.state = state;
    this.emit('state', state, detail);
    if (state === 'connecting') this.emit('connecting', detail);
    if (state === 'closed') this.emit('closed', detail);
  }

  _onServerObject(msg) {
    switch (msg.type) {
      case 'welcome':
        return this._onWelcome(msg);
      case 'reply':
        return this._onReply(msg);
      case 'message': {
        const sub = this.subscriptions.get(msg.channel);
        if (sub && sub.active && sub._deliver(msg, false)) this.emit('message', { ...msg, recovered: false });
        return;
      }
      case 'push':
        return this.emit('push', msg.data);
      default:
        return this.emit('error', new WshubError('unknown_frame', JSON.stringify(msg)));
    }
  }

  _onWelcome(welcome) {
    this.welcome = welcome;
    this._attempt = 0;
    this._setState('connected', welcome);
    this.emit('connected', welcome);
    this._startTimers(welcome);
    // Resubscribe first, so that recovered messages precede anything queued.
    for (const sub of this.subscriptions.values()) {
      if (sub.active) this._sendSubscribe(sub);
    }
    const queued = this._outbox;
    this._outbox = [];
    for (const item of queued) this._transmit(item.id, item.entry);
  }

  _sendSubscribe(sub) {
    const op = { op: 'subscribe', channel: sub.channel };
    if (sub.epoch !== undefined && sub.offset !== undefined) {
      op.since = { epoch: sub.epoch, offset: sub.offset };
    }
    const hadPosition = op.since !== undefined;
    this._request(op, { bypassBuffer: true }).then(
      (reply) => {
        if (!sub.active || this.subscriptions.get(sub.channel) !== sub) return;
        sub.subscribed = true;
        // Recovered messages first, in order, before any live message (the
        // server sends the reply before newer publications).
        let recoveredCount = 0;
        for (const m of reply.messages || []) {
          if (sub._deliver({ ...m, channel: sub.channel }, true)) {
            recoveredCount++;
            this.emit('message', { ...m, channel: sub.channel, recovered: true });
          }
        }
        if (reply.epoch !== undefined && sub.epoch !== reply.epoch) {
          sub.epoch = reply.epoch;
          if (!hadPosition || reply.recovered !== true) sub.offset = reply.offset;
        } else if (sub.offset === undefined && typeof reply.offset === 'number') {
          sub.offset = reply.offset;
        }
        const info = {
          channel: sub.channel,
          epoch: reply.epoch,
          offset: reply.offset,
          recovered: reply.recovered === true,
          recoveredCount,
          resumed: hadPosition,
        };
        sub.emit('subscribed', info);
        if (hadPosition && reply.recovered !== true) sub.emit('gap', info);
        sub._resolveReady?.(info);
        sub._resolveReady = null;
      },
      (err) => {
        if (err.code === 'disconnected') return; // retried after the reconnect
        if (this.subscriptions.get(sub.channel) === sub) this.subscriptions.delete(sub.channel);
        sub.active = false;
        sub.emit('error', err);
        sub._rejectReady?.(err);
        sub._rejectReady = null;
      },
    );
  }

  async _unsubscribe(sub) {
    if (!sub.active) return;
    sub.active = false;
    if (this.subscriptions.get(sub.channel) === sub) this.subscriptions.delete(sub.channel);
    if (this.state === 'connected' && sub.subscribed) {
      try {
        await this._request({ op: 'unsubscribe', channel: sub.channel }, { bypassBuffer: true });
      } catch {
        // Closed meanwhile: nothing left to undo on the server.
      }
    }
  }

  // ---- requests ---------------------------------------------------------

  _request(op, { bypassBuffer = false } = {}) {
    if (this.state === 'closed') return Promise.reject(new WshubError('closed', 'client closed'));
    const id = this._nextId++;
    const frame = JSON.stringify({ ...op, id });
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, frame, sent: false, timer: null };
      this._pending.set(id, entry);
      if (this.state === 'connected' && this._ws) {
        this._transmit(id, entry);
        return;
      }
      if (bypassBuffer) {
        this._pending.delete(id);
        reject(new WshubError('disconnected', 'not connected'));
        return;
      }
      if (this._outbox.length >= this.options.maxBuffered) {
        this._pending.delete(id);
        reject(
          new WshubError(
            'buffer_full',
            `outgoing buffer full: ${this.options.maxBuffered} operations wait for the connection`,
          ),
        );
        return;
      }
      this._outbox.push({ id, entry });
    });
  }

  _transmit(id, entry) {
    if (!this._pending.has(id)) return;
    entry.sent = true;
    entry.timer = setTimeout(() => {
      if (!this._pending.delete(id)) return;
      entry.reject(new WshubError('timeout', `no reply within ${this.options.requestTimeout} ms`));
    }, this.options.requestTimeout);
    this._lastSent = Date.now();
    this._ws.send(entry.frame);
  }

  _onReply(reply) {
    if (typeof reply.id !== 'number') {
      this.emit('error', new WshubError(reply.error?.code ?? 400, reply.error?.message ?? 'error reply'));
      return;
    }
    const entry = this._pending.get(reply.id);
    if (!entry) return;
    this._pending.delete(reply.id);
    clearTimeout(entry.timer);
    if (reply.ok) {
      const { type: _t, id: _i, ok: _o, ...body } = reply;
      entry.resolve(body);
    } else {
      entry.reject(new WshubError(reply.error?.code ?? 500, reply.error?.message ?? 'error'));
    }
  }

  _failAll(err, includeQueued) {
    for (const [id, entry] of this._pending) {
      clearTimeout(entry.timer);
      this._pending.delete(id);
      entry.reject(err);
    }
    if (includeQueued) this._outbox = [];
    for (const sub of this.subscriptions.values()) {
      sub._rejectReady?.(err);
      sub._rejectReady = null;
    }
  }

  // ---- timers: app-level ping and token refresh ---------------------------

  _startTimers(welcome) {
    this._stopTimers();
    const idle =
      this.options.pingIdle > 0
        ? this.options.pingIdle
        : Math.max(1000, ((welcome.ping_interval || 25) * 1000) / 2);
    this._lastSent = Date.now();
    this._pingTimer = setInterval(() => {
      if (this.state !== 'connected' || !this._ws) return;
      if (Date.now() - this._lastSent < idle) return;
      const ws = this._ws;
      this._request({ op: 'ping' }, { bypassBuffer: true }).catch((err) => {
        // No answer to a ping: the connection is dead even if TCP has not noticed.
        if (err.code === 'timeout' && this._ws === ws) {
          this._ws = null;
          try {
            ws.close(4000, 'ping timeout');
          } catch {
            /* already closing */
          }
          this._onClose({ code: 1006, reason: 'ping timeout' });
        }
      });
    }, Math.min(1000, idle));
    this._scheduleRefresh();
  }

  _scheduleRefresh() {
    clearTimeout(this._refreshTimer);
    const exp = tokenExpiry(this._token);
    if (exp === undefined || !this._tokenProvider) return;
    const inMs = Math.max(0, (exp - this.options.refreshMargin) * 1000 - Date.now());
    this._refreshTimer = setTimeout(() => this._refresh(), Math.min(inMs, 2 ** 31 - 1));
  }

  async _refresh() {
    try {
      const token = await this._tokenProvider();
      const reply = await this._request({ op: 'refresh', token }, { bypassBuffer: true });
      this._token = token;
      this.emit('token', token, reply);
      this._scheduleRefresh();
    } catch (err) {
      // The next connect asks the provider again; the server closes with 4001 at expiry.
      this._needNewToken = true;
      this.emit('error', err);
    }
  }

  _stopTimers() {
    clearInterval(this._pingTimer);
    clearTimeout(this._refreshTimer);
    this._pingTimer = null;
    this._refreshTimer = null;
  }
}

/** Convenience: `connect(urls, options)` creates a client and opens it. */
export function connect(urls, options) {
  const client = new WshubClient(urls, options);
  client.connect().catch(() => {});
  return client;
}

export default WshubClient;
