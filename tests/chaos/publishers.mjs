// Publishers and their ledger. Every event carries a unique tag in its
// data, so the checker can match the table to what was published:
//   - HTTP publishers POST one event or an array, with an Idempotency-Key,
//     and retry the same body across every fault until it is
//     acknowledged: each acknowledged event must exist exactly once.
//   - SQL publishers hold a psql session each and call ssehub.publish()
//     inside transactions (1-4 events, some held open, some rolled back
//     on purpose). The ledger says per transaction: committed,
//     rolled back / aborted (must never appear), or ambiguous (the
//     connection died after COMMIT was sent: at most once).

import { spawn } from 'node:child_process';
import { sleep, DB } from '../integration/lib.mjs';
import { config, rnd, between, pick, now, log, violation } from './common.mjs';
import { publishOnce } from './http.mjs';

export const ledger = {
  http: [],      // {tags, ids, topics, sentAt, doneAt}: acknowledged requests
  sql: [],       // {tags, topics, outcome, session, commitAt, doneAt}
};
export const stats = {
  httpAttempts: 0, httpAcked: 0, httpRetried: 0, byError: {},
  sqlTransactions: 0, sqlCommitted: 0, sqlRolledBack: 0, sqlAborted: 0, sqlAmbiguous: 0, sqlSessions: 0,
};
let publishing = true;
const KEY_PREFIX = `chaos-${config.seed}-${Date.now()}`;

// Mostly small events; a few big ones (never in a batch, which must stay
// under the 64 KiB body limit) fill slow readers' queues faster.
function payload(tag, { multiline = false, big = true } = {}) {
  const pad = 'x'.repeat(big && rnd() < 0.03 ? 30000 : Math.floor(between(50, 400)));
  return multiline ? JSON.stringify({ tag, pad }, null, 1) : JSON.stringify({ tag, pad });
}

// Paces fn() at rate calls per second until the run stops.
async function paced(rate, fn) {
  const period = 1000 / rate;
  let next = now();
  while (publishing) {
    next += period * between(0.5, 1.5);
    await fn();
    const wait = next - now();
    if (wait > 0) await sleep(wait);
    else next = now();   // fell behind (an outage): no burst afterwards
  }
}

class HttpPublisher {
  constructor(index) {
    this.index = index;
    this.n = 0;
  }

  run() {
    return paced(config.httpRate, () => this.publish(this.n++));
  }

  // One request (an event or an array of 2-10) until it is acknowledged.
  async publish(n) {
    const count = rnd() < 0.3 ? Math.floor(between(2, 11)) : 1;
    const events = Array.from({ length: count }, (_, i) => {
      const tag = `h${this.index}-${n}-${i}`;
      return { tag, topic: pick(config.topics), event: count > 1 ? 'http.batch' : 'http', data: JSON.parse(payload(tag, { big: count === 1 })) };
    });
    const body = count === 1 ? bodyOf(events[0]) : events.map(bodyOf);
    const key = `${KEY_PREFIX}-${events[0].tag}`;
    const sentAt = now();
    for (let tries = 1; ; tries++) {
      stats.httpAttempts++;
      if (tries > 1) stats.httpRetried++;
      const r = await publishOnce(body, key);
      const ids = r.status === 201 ? (count === 1 ? [r.json?.id] : r.json?.ids) : null;
      if (ids && ids.length === count && ids.every(Number.isSafeInteger)) {
        stats.httpAcked += count;
        ledger.http.push({ tags: events.map((e) => e.tag), ids, topics: events.map((e) => e.topic), sentAt, doneAt: now() });
        return;
      }
      const kind = r.status ? `HTTP ${r.status}` : r.error;
      stats.byError[kind] = (stats.byError[kind] ?? 0) + 1;
      if (r.status && r.status !== 503) {
        // The body is valid: a 4xx or an odd answer is final, and a fault.
        violation(`publish ${events[0].tag}: unexpected ${r.status} ${r.text?.slice(0, 120)}`);
        return;
      }
      if (!publishing && now() - sentAt > 60000) {
        violation(`publish ${events[0].tag} never acknowledged`);
        return;
      }
      await sleep(100 + rnd() * 200);
    }
  }
}

const bodyOf = (e) => ({ topic: e.topic, event: e.event, data: e.data });

// A psql process fed through stdin; query output goes to /dev/null and
// \echo markers come back on stdout. ON_ERROR_STOP: any error ends it.
class PsqlProcess {
  constructor() {
    this.proc = spawn('psql', [DB, '-qtAX', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.out = '';
    this.dead = false;
    this.waiters = [];
    this.proc.stdout.on('data', (d) => { this.out += d; this.wake(); });
    this.proc.stderr.on('data', () => {});
    this.proc.stdin.on('error', () => {});
    this.proc.on('exit', () => { this.dead = true; this.wake(); });
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(text) {
    if (!this.dead) this.proc.stdin.write(`${text}\n`);
  }

  seen(mark) {
    return this.out.includes(`${mark}\n`);
  }

  // True once `\echo mark` ran; false if psql ended or ms passed first.
  until(mark, ms = 10000) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.seen(mark)), ms);
      const check = () => {
        if (this.seen(mark) || this.dead) {
          clearTimeout(timer);
          resolve(this.seen(mark));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  close() {
    if (this.dead) return Promise.resolve();
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    return gone;
  }
}

const sqlText = (s) => `$chaos$${s}$chaos$`;

class SqlPublisher {
  constructor(index) {
    this.index = index;
    this.n = 0;
    this.psql = null;
  }

  run() {
    return paced(config.sqlRate, () => this.transaction(this.n++)).finally(() => this.psql?.close());
  }

  session() {
    if (!this.psql || this.psql.dead) {
      this.psql = new PsqlProcess();
      stats.sqlSessions++;
    }
    return this.psql;
  }

  async transaction(n) {
    const count = Math.floor(between(1, 5));
    const tx = { tags: [], topics: [], session: this.index, outcome: 'aborted', commitAt: null, doneAt: null };
    const calls = [];
    for (let i = 0; i < count; i++) {
      const tag = `s${this.index}-${n}-${i}`;
      const topic = pick(config.topics);
      tx.tags.push(tag);
      tx.topics.push(topic);
      calls.push(`SELECT ssehub.publish('${topic}', 'sql', ${sqlText(payload(tag, { multiline: rnd() < 0.1 }))});`);
    }
    ledger.sql.push(tx);
    stats.sqlTransactions++;
    const psql = this.session();
    psql.send(`BEGIN;\n${calls.join('\n')}\n\\echo pub-${n}`);
    if (!(await psql.until(`pub-${n}`))) return this.end(tx, psql, 'aborted');
    // Held open a while; sometimes long, so later transactions commit first.
    await sleep(rnd() < 0.1 ? between(500, 2000) : between(0, 200));
    if (rnd() < 0.2) {
      psql.send(`ROLLBACK;\n\\echo end-${n}`);
      await psql.until(`end-${n}`);
      return this.end(tx, psql, 'rolledback');
    }
    tx.commitAt = now();
    psql.send(`\\echo commit-${n}\nCOMMIT;\n\\echo end-${n}`);
    if (await psql.until(`end-${n}`)) return this.end(tx, psql, 'committed');
    // psql ended (or hung) around COMMIT: whether it committed is unknown,
    // unless psql never got as far as sending it.
    return this.end(tx, psql, psql.seen(`commit-${n}`) ? 'ambiguous' : 'aborted');
  }

  async end(tx, psql, outcome) {
    tx.outcome = outcome;
    tx.doneAt = now();
    const key = { committed: 'sqlCommitted', rolledback: 'sqlRolledBack', aborted: 'sqlAborted', ambiguous: 'sqlAmbiguous' }[outcome];
    stats[key]++;
    if (outcome !== 'committed' && outcome !== 'rolledback') {
      await psql.close();
      await sleep(200);   // PostgreSQL may be down: do not spin
    }
    psql.out = '';
  }
}

let running = [];

export function startPublishers() {
  const http = Array.from({ length: config.httpPublishers }, (_, i) => new HttpPublisher(i));
  const sql = Array.from({ length: config.sqlPublishers }, (_, i) => new SqlPublisher(i));
  running = [...http, ...sql].map((p) => p.run());
  log(`publishers: ${http.length} HTTP x ${config.httpRate} requests/s, ${sql.length} SQL x ${config.sqlRate} transactions/s`);
}

// Stops starting new publishes; resolves when every one in flight ended.
export async function stopPublishers() {
  publishing = false;
  await Promise.all(running);
}

// The first acknowledgement at or after t (ms), for recovery times.
export const firstAckAfter = (t) => ledger.http.reduce((m, e) => (e.doneAt >= t ? Math.min(m, e.doneAt) : m), Infinity);
