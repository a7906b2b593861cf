// The table's history: retention deletes rows while the run goes on, so
// ssehub.events is read every half second and every row is kept here
// (id -> topic, event name, hash of the data, tag). The checks then see
// every event ever committed, trimmed or not. Ids the poll never saw
// because they were trimmed first are "unobserved"; ids at or below
// ssehub.last_id() that are neither visible nor trimmed are "holes".

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DB, sleep } from '../integration/lib.mjs';
import { hash32, tagOf } from './common.mjs';

const run = promisify(execFile);
const PAGE = 20000;

async function query(sql) {
  const { stdout } = await run('psql', [DB, '-qtAXc', sql], { maxBuffer: 1 << 28, timeout: 10000 });
  return stdout.trim();
}

export class History {
  constructor(after) {
    this.after = after;        // the history starts above this id
    this.max = after;          // every id up to here is accounted for
    this.head = after;
    this.trimmed = 0;          // ssehub.trim.trimmed_through, last seen
    this.rows = new Map();
    this.tags = new Map();     // tag -> ids
    this.unobserved = new Set();
    this.holes = [];
    this.polls = 0;
    this.failures = 0;
    this.running = false;
  }

  // One page of rows above max, with head and trim from the same snapshot:
  // 'more' (a full page), 'done' (up to head) or 'failed'.
  async poll() {
    let r;
    try {
      r = JSON.parse(await query(`SELECT json_build_object(
        'head', (SELECT ssehub.last_id()),
        'trim', (SELECT trimmed_through FROM ssehub.trim),
        'rows', (SELECT coalesce(json_agg(json_build_array(id, topic, event, data) ORDER BY id), '[]')
                 FROM (SELECT * FROM ssehub.events WHERE id > ${this.max} ORDER BY id LIMIT ${PAGE}) e))`));
    } catch {
      this.failures++;      // PostgreSQL is down: the next poll catches up
      return 'failed';
    }
    this.polls++;
    this.head = Number(r.head);
    this.trimmed = Math.max(this.trimmed, Number(r.trim));
    for (const [id, topic, event, data] of r.rows) {
      this.account(id);
      this.add(id, topic, event, data);
      this.max = id;
    }
    if (r.rows.length === PAGE) return 'more';
    this.account(this.head + 1);
    return 'done';
  }

  // Ids between max and next (excluded) that no poll returned.
  account(next) {
    for (let id = this.max + 1; id < next; id++) {
      if (id <= this.trimmed) this.unobserved.add(id);
      else this.holes.push(id);
    }
    this.max = Math.max(this.max, next - 1);
  }

  add(id, topic, event, data) {
    const tag = tagOf(data);
    this.rows.set(id, { topic, event, hash: hash32(data), tag });
    if (tag) this.tags.set(tag, [...(this.tags.get(tag) ?? []), id]);
  }

  async follow(periodMs = 500) {
    this.running = true;
    while (this.running) {
      if (await this.poll() !== 'more') await sleep(periodMs);
    }
  }

  stop() {
    this.running = false;
  }

  // Until every committed row has been read (after publishing stopped).
  async complete() {
    for (let r; (r = await this.poll()) !== 'done';) if (r === 'failed') await sleep(200);
  }
}

export const trimmedThrough = async () => Number(await query('SELECT trimmed_through FROM ssehub.trim'));
export const outboxCount = async () => Number(await query('SELECT count(*) FROM ssehub.outbox'));
