// Helpers for the SQL tests: a database of their own per test on the
// suite's cluster (tests/sql/run.sh), migrated by hand as README.md says,
// or by a real ssehub.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../integration/lib.mjs';
import * as pg from '../lib/pg.mjs';

export { ROOT };
const CLUSTER = process.env.SSEHUB_DB;

// sql/NNN-name.sql, in order: [{ version, name, file }].
export const MIGRATIONS = fs.readdirSync(path.join(ROOT, 'sql'))
  .filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f)).sort()
  .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(0, -4), file: path.join(ROOT, 'sql', f) }));

// A new, empty database (dropped first if a run before left it); its
// conninfo (libpq takes the last dbname).
export function freshDb(name) {
  pg.psql(CLUSTER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  pg.psql(CLUSTER, `CREATE DATABASE ${name}`);
  return `${CLUSTER} dbname=${name}`;
}

export const psqlOn = (db) => (sql) => pg.psql(db, sql);

// psql's error for sql, which must fail.
export function psqlError(db, sql) {
  try {
    pg.psql(db, sql, { quiet: true });
  } catch (e) {
    return e.stderr.toString();
  }
  throw new Error(`succeeded, but should have failed: ${sql}`);
}

// One migration by hand, exactly as README.md ("Schema and migrations")
// shows it: one transaction, under the runner's lock, recorded.
export function migrateByHand(db, m) {
  execFileSync('psql', [db, '-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1',
    '-c', 'SELECT pg_advisory_xact_lock(7283451001)',
    '-f', m.file,
    '-c', `INSERT INTO ssehub.migrations (version, name) VALUES (${m.version}, '${m.name}')`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function migrateAllByHand(db) {
  for (const m of MIGRATIONS) migrateByHand(db, m);
}

// The schema ssehub, without its data, as pg_dump writes it (less the
// random key of its \restrict lines).
export function schemaDump(db) {
  return execFileSync('pg_dump', [db, '-n', 'ssehub', '--schema-only', '--no-owner', '--no-privileges'])
    .toString().replace(/^\\(un)?restrict .*$/gm, '');
}

// Two dumps alike, or the first line where they part.
export function assertSameSchema(actual, expected, what) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const i = a.findIndex((line, k) => line !== e[k]);
  if (i === -1 && a.length === e.length) return;
  const at = i === -1 ? Math.min(a.length, e.length) : i;
  assert.fail(`${what}: line ${at + 1} differs:\n  got:      ${a[at]}\n  expected: ${e[at]}`);
}
