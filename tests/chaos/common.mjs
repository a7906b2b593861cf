// What every part of the chaos run shares: settings from the environment,
// the clock, the seeded random source, the log and the violation list.

const env = (name, dflt) => Number(process.env[name] ?? dflt);

export const config = {
  seconds: env('CHAOS_SECONDS', 60),
  seed: env('CHAOS_SEED', Date.now() % 100000),
  topics: Array.from({ length: env('CHAOS_TOPICS', 6) }, (_, i) => `chaos-${i}`),
  httpPublishers: env('CHAOS_HTTP_PUBLISHERS', 3),
  httpRate: env('CHAOS_RATE', 25),            // requests/s per HTTP publisher
  sqlPublishers: env('CHAOS_SQL_PUBLISHERS', 3),
  sqlRate: env('CHAOS_SQL_RATE', 5),          // transactions/s per SQL session
  subscribers: env('CHAOS_SUBSCRIBERS', 12),
  retain: env('CHAOS_RETAIN', 2000),          // SSEHUB_RETAIN_EVENTS
  heartbeatMs: 1000,
  queueCap: 65536,      // small: a paused reader is cut off within seconds
  ring: 512,            // small: catch-ups page through PostgreSQL
  recoveryLimitMs: 15000,
};

let state = config.seed;
// Deterministic for a given CHAOS_SEED (timing is not).
export function rnd() {
  state = (state * 1103515245 + 12345) & 0x7fffffff;
  return state / 0x7fffffff;
}
export const between = (lo, hi) => lo + rnd() * (hi - lo);
export const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

// A random subset of 1..max distinct elements.
export function subset(xs, max) {
  const pool = [...xs];
  const n = 1 + Math.floor(rnd() * Math.min(max, pool.length));
  return Array.from({ length: n }, () => pool.splice(Math.floor(rnd() * pool.length), 1)[0]).sort();
}

const T0 = Date.now();
export const now = () => Date.now() - T0;
export const log = (...a) => console.log(`[${(now() / 1000).toFixed(1).padStart(5)}s]`, ...a);

export const violations = [];
export function violation(msg) {
  if (violations.length < 100) log('VIOLATION:', msg);
  violations.push(msg);
}

// FNV-1a over UTF-16 code units: streams and the table history keep this
// instead of the data itself.
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// The tag every chaos event carries in its data (JSON), or null.
export function tagOf(data) {
  try {
    const d = JSON.parse(data);
    return typeof d?.tag === 'string' ? d.tag : null;
  } catch {
    return null;
  }
}
