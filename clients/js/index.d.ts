// Type declarations for @wshub/client (wshub.js). Hand-written; keep in step with wshub.js.

/** Close codes after which the client does not reconnect: 1000, 1003, 1007, 1008, 1009, 4002. */
export declare const NO_RECONNECT_CODES: readonly number[];
/** 4001: unauthorized or token expired; the client reconnects only when it has a token provider. */
export declare const CLOSE_UNAUTHORIZED: 4001;

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

/** The server's first frame on every connection. */
export interface Welcome {
  type: 'welcome';
  client: string;
  /** The wshub instance holding this connection. */
  instance: string;
  user: string;
  /** Seconds between the server's WebSocket pings. */
  ping_interval: number;
  version: number;
}

export interface StreamPosition {
  epoch: string;
  offset: number;
}

export interface Message<T = unknown> {
  channel: string;
  data: T;
  /** Per-channel offset; absent in namespaces without history. */
  offset?: number;
  epoch?: string;
  /** True when delivered from the subscribe reply after a reconnect (missed while away). */
  recovered: boolean;
}

export interface SubscribedInfo {
  channel: string;
  epoch?: string;
  offset?: number;
  /** The server recovered everything since the last delivered offset. */
  recovered: boolean;
  /** How many recovered messages were delivered (duplicates removed). */
  recoveredCount: number;
  /** This subscribe asked for recovery (it carried `since`). */
  resumed: boolean;
}

export interface ClientOptions {
  /** A JWT sent as `?token=`. */
  token?: string;
  /**
   * Called for a token before the first connect, after a 4001 close, and
   * `refreshMargin` seconds before the token's `exp` (then sent with the `refresh` op).
   */
  getToken?: () => string | Promise<string>;
  /** `?user=NAME`: the user id in `wshub serve --dev` (ignored by the server otherwise). */
  user?: string;
  /** First backoff ceiling in ms (default 250); doubles per failed attempt. */
  minReconnectDelay?: number;
  /** Backoff ceiling cap in ms (default 10000). Each delay is uniform in [0, ceiling). */
  maxReconnectDelay?: number;
  /** A reply not received within this many ms rejects with code 'timeout' (default 10000). */
  requestTimeout?: number;
  /**
   * Operations (publish, history, presence, ping) queued while disconnected
   * (default 100). Beyond it calls reject at once with code 'buffer_full'.
   */
  maxBuffered?: number;
  /** Seconds before `exp` to refresh the token (default 30). */
  refreshMargin?: number;
  /** Ms without sending before an app-level ping (default: half the server's ping_interval). */
  pingIdle?: number;
  /** A WebSocket constructor (default: the global one, else the `ws` package). */
  WebSocket?: unknown;
  /** Random source for the backoff jitter, in [0, 1) (tests). */
  random?: () => number;
}

/** A failed operation. `code`: the reply's code (400, 403, 404, 409, 413, 429, 503), a close code,
 * or 'buffer_full', 'timeout', 'disconnected', 'closed', 'no_websocket', 'bad_frame'. */
export declare class WshubError extends Error {
  constructor(code: number | string, message: string);
  code: number | string;
}

type Unsubscribe = () => void;

declare class Emitter<Events> {
  on<E extends keyof Events>(event: E, fn: Events[E]): Unsubscribe;
  once<E extends keyof Events>(event: E, fn: Events[E]): Unsubscribe;
  off<E extends keyof Events>(event: E, fn: Events[E]): void;
}

export interface SubscriptionEvents {
  message: (msg: Message) => void;
  /** After every (re)subscribe reply. */
  subscribed: (info: SubscribedInfo) => void;
  /** A resubscribe could not recover what was missed (history gone or epoch changed). */
  gap: (info: SubscribedInfo) => void;
  /** The server refused the subscription (e.g. 403); it is then removed. */
  error: (err: WshubError) => void;
}

export declare class Subscription extends Emitter<SubscriptionEvents> {
  readonly client: WshubClient;
  readonly channel: string;
  /** Epoch and offset of the last message delivered (what a resubscribe asks to recover from). */
  epoch?: string;
  offset?: number;
  active: boolean;
  /** Whether the server currently confirms the subscription. */
  subscribed: boolean;
  /** Resolves on the first subscribe reply; rejects when the server refuses. */
  readonly ready: Promise<SubscribedInfo>;
  unsubscribe(): Promise<void>;
}

export interface ClientEvents {
  state: (state: ConnectionState, detail: any) => void;
  connecting: (detail: { url: string; attempt: number }) => void;
  connected: (welcome: Welcome) => void;
  /** `reconnect`: whether the client will try again (PROTOCOL.md section 5). */
  disconnected: (detail: { code: number; reason: string; reconnect: boolean; wasConnected: boolean }) => void;
  closed: (detail: { code: number; reason: string }) => void;
  /** Every delivered channel message, from every subscription. */
  message: (msg: Message & { type: 'message' }) => void;
  /** A direct push (`POST /api/send`). */
  push: (data: unknown) => void;
  token: (token: string, reply?: { exp: number }) => void;
  error: (err: Error) => void;
}

export declare class WshubClient extends Emitter<ClientEvents> {
  /**
   * `urls`: one `ws://host:port/ws` URL or several (instances of one hub);
   * each connection attempt takes the next one in turn.
   */
  constructor(urls: string | string[], options?: ClientOptions);
  readonly urls: string[];
  readonly options: Required<Omit<ClientOptions, 'token' | 'getToken' | 'user' | 'WebSocket' | 'random'>> &
    ClientOptions;
  readonly state: ConnectionState;
  /** The welcome of the current (or last) connection. */
  readonly welcome: Welcome | null;
  /** The URL of the current (or last) connection attempt. */
  readonly url: string | undefined;
  readonly subscriptions: Map<string, Subscription>;
  /** Opens the connection; resolves on the first welcome, rejects if it closes for good first
   * (or at once, after close()). */
  connect(): Promise<Welcome>;
  /** Closes for good; pending and queued operations reject with code 'closed'. */
  close(code?: number, reason?: string): void;
  /** Subscribing to a channel again returns its existing Subscription (the handler is added). */
  subscribe<T = unknown>(
    channel: string,
    handler?: (msg: Message<T>) => void,
    options?: { since?: StreamPosition },
  ): Subscription;
  publish(channel: string, data: unknown): Promise<StreamPosition>;
  history(
    channel: string,
    options?: { limit?: number; since?: StreamPosition },
  ): Promise<{ epoch: string; offset: number; messages: Array<{ offset: number; data: unknown; epoch?: string }> }>;
  presence(channel: string): Promise<{ clients: Array<{ client: string; user: string }> }>;
  /** Round-trip time in ms of an app-level `ping` op. */
  ping(): Promise<number>;
}

/** Creates a client and starts connecting. */
export declare function connect(urls: string | string[], options?: ClientOptions): WshubClient;
/** Splits a `\n`-batched frame into its JSON objects. */
export declare function parseFrame(text: string, onBad?: (line: string, err: unknown) => void): any[];
/** The `exp` claim of a JWT (not verified), or undefined. */
export declare function tokenExpiry(token: string | undefined): number | undefined;
/** Full-jitter backoff delay in ms for a 0-based attempt. */
export declare function backoffDelay(attempt: number, minDelay: number, maxDelay: number, random?: () => number): number;

export default WshubClient;
