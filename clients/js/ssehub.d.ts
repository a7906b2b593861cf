/** Types of ssehub's client (ssehub.js). */

/** The version of ssehub this client comes with. */
export const VERSION: string;

/** One event, delivered once to each subscription of its topic. */
export interface SsehubEvent {
  /** The server's id: global, consecutive, increasing. */
  id: number;
  /**
   * The event's topic: from the frame's `topic:` line, or the
   * subscription's only topic; null when neither says.
   */
  topic: string | null;
  /** The event type (`message` by default). */
  event: string;
  /** The data, lines joined with LF. */
  data: string;
  /** Whether it was sent as catch-up (after a reconnect, or `last`). */
  replayed: boolean;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' |
    'closed';

export interface StateInfo {
  state: ConnectionState;
  /** The reconnect attempt under way or next (0 when open). */
  attempt: number;
  /** When the stream dropped (ms since the epoch), or null. */
  since: number | null;
  /** Why the last connection ended, or ''. */
  error: string;
  /** 'shared' (a SharedWorker serves every tab) or 'local'. */
  mode: 'shared' | 'local' | '';
  /** Heartbeats seen and drops of the stream so far. */
  heartbeats?: number;
  drops?: number;
  /** The stream's topics: null for every topic. */
  topics?: string[] | null;
}

export interface ResetInfo {
  /** Where the cursor of the affected subscriptions now is. */
  id: number;
  /** The oldest id the server still keeps. */
  oldest: number;
  /** The topic sets of the affected subscriptions (null: all). */
  topics: Array<string[] | null>;
}

/** Where cursors are kept: localStorage's shape. */
export interface CursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ConnectOptions {
  /** The server, e.g. 'https://host:8443'; the page's origin by default. */
  url?: string;
  /** A subscribe token for private topics. */
  token?: string;
  /** Called before each connection and after a refused token. */
  getToken?: () => Promise<string>;
  /** The server's heartbeat until learned from the stream (15000). */
  heartbeatMs?: number;
  /** Where cursors are kept (localStorage; memory in Node). */
  storage?: CursorStorage;
  /** false: no SharedWorker, one stream for this tab. */
  shared?: boolean;
  /** The fetch to use in this tab's own hub. */
  fetch?: typeof fetch;
}

export interface SubscribeOptions {
  /** Up to this many recent events first, when there is no cursor. */
  last?: number;
  /** Where the cursor is kept (default: server and topic set). */
  key?: string;
  /** false: start from now, not from the saved cursor. */
  resume?: boolean;
}

export interface Subscription {
  /** The topics, sorted; null for every topic. */
  readonly topics: string[] | null;
  /** The last id delivered or passed over, or null. */
  readonly cursor: number | null;
  /** No more events for this subscription. */
  close(): void;
}

export interface Hub {
  readonly mode: 'shared' | 'local' | '';
  readonly state: StateInfo;
  /** Topic names, or '*', null or [] for every topic. */
  subscribe(topics: string | string[] | null,
      fn: (ev: SsehubEvent) => void,
      options?: SubscribeOptions): Subscription;
  /** Returns a function that removes the listener. */
  on(type: 'state', fn: (s: StateInfo) => void): () => void;
  on(type: 'reset', fn: (r: ResetInfo) => void): () => void;
  /** Ends every subscription of this hub in this tab. */
  close(): void;
}

export function connect(options?: ConnectOptions): Hub;
