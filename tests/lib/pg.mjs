// psql from the tests: one statement, a whole script, or a session held
// open across test steps. db: a connection string (tests/lib/pg.sh url).

import { execFileSync, spawn } from 'node:child_process';

// Runs sql (psql -qtAX: tuples only, unaligned, no psqlrc); its output,
// trimmed. On failure the thrown error's message holds psql's stderr,
// which is also shown unless quiet (for polling a database that may be
// down): execFileSync's default stdio does both.
export function psql(db, sql, { quiet = false } = {}) {
  const opts = { maxBuffer: 1 << 28 };
  if (quiet) opts.stdio = ['ignore', 'pipe', 'pipe'];
  return execFileSync('psql', [db, '-qtAXc', sql], opts).toString().trim();
}

// One psql process running a whole script (stdin), without blocking the
// event loop: streams keep reading meanwhile. Resolves with its output.
export function psqlScript(db, sql) {
  return new Promise((resolve, reject) => {
    const p = spawn('psql', [db, '-qtAX', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err}`))));
    p.stdin.end(sql);
  });
}

// A long-lived psql session fed through stdin, for transactions held open
// across test steps. sync() resolves once everything sent so far has run.
export class PsqlSession {
  constructor(db) {
    this.proc = spawn('psql', [db, '-qtAX', '-v', 'ON_ERROR_STOP=0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.out = '';
    this.err = '';
    this.waiters = [];
    this.proc.stdout.on('data', (d) => {
      this.out += d;
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr.on('data', (d) => { this.err += d; });
    this.seq = 0;
  }

  send(sql) {
    this.proc.stdin.write(`${sql}\n`);
  }

  sync(ms = 5000) {
    const mark = `sync-${++this.seq}`;
    this.send(`\\echo ${mark}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`psql: no ${mark}; err=${this.err}`)), ms);
      const check = () => {
        if (this.out.includes(mark)) {
          clearTimeout(timer);
          resolve(this.out);
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  close() {
    this.proc.stdin.end();
  }
}
