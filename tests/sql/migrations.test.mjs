// The migrations (sql/) as the server applies them (src/store.c, from the
// copy tools/sql_embed.c embeds), against by hand (psql -f, README.md):
// a fresh database, a second start, a database of ssehub schema 11 (before
// migrations), one newer than the node, and one the workers migrate.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startServer, stopServer, workers } from '../integration/lib.mjs';
import * as pg from '../lib/pg.mjs';
import { assertSameSchema, freshDb, migrateAllByHand, MIGRATIONS, psqlOn, ROOT, schemaDump } from './lib.mjs';

const HTTP = 18601;
const LAST = MIGRATIONS[MIGRATIONS.length - 1];
const logFile = (name) => path.join(process.env.SSEHUB_TEST_VAR, name, 'log');
const applied = (q) => q("SELECT string_agg(version || ' ' || name, ',' ORDER BY version) FROM ssehub.migrations");
const allApplied = MIGRATIONS.map((m) => `${m.version} ${m.name}`).join(',');

let running = null;
after(() => { if (running) stopServer(running); });

// A server on db until it answers /healthz, then stopped; what it logged
// (server.sh appends to the log of an earlier run).
function serve(name, db, env = {}) {
  const from = fs.existsSync(logFile(name)) ? fs.statSync(logFile(name)).size : 0;
  running = name;
  startServer(name, HTTP, HTTP + 1, { SSEHUB_DB: db, ...env });
  stopServer(name);
  running = null;
  return fs.readFileSync(logFile(name)).subarray(from).toString();
}

// A dump loaded into a database of its own and dumped again: what a dump
// gives back is the same whatever it started from (PostgreSQL stores
// expressions as trees, and "a AND (b AND c)" comes back flat).
function reloaded(dump, name) {
  const db = freshDb(name);
  execFileSync('psql', [db, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], { input: dump, stdio: ['pipe', 'ignore', 'inherit'] });
  return schemaDump(db);
}

// The same by hand, as the reference: what every other database must be.
let reference = null;
function referenceDump() {
  if (reference === null) {
    const db = freshDb('sqlm_by_hand');
    migrateAllByHand(db);
    reference = schemaDump(db);
  }
  return reference;
}

test('the committed generated files are what the tools write now', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sqltest-'));
  try {
    for (const [tool, args, file] of [
      ['sql_embed', ['c', ...MIGRATIONS.map((m) => path.relative(ROOT, m.file))], 'src/sql_migrations.c'],
      ['sql_embed', ['psql'], 'sql/limits.psql'],
      ['limits_js', [], 'clients/js/ssehub-limits.js'],
    ]) {
      const bin = path.join(tmp, tool);
      execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-Isrc', '-o', bin, `tools/${tool}.c`], { cwd: ROOT });
      const now = execFileSync(bin, args, { cwd: ROOT }).toString();
      assert.equal(fs.readFileSync(path.join(ROOT, file), 'utf8'), now, `${file} is stale: make build, and commit it`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('a fresh database: the server applies every migration, as psql -f does', () => {
  const db = freshDb('sqlm_fresh');
  const q = psqlOn(db);
  const text = serve('fresh', db);
  assert.match(text, new RegExp(`store: migrating the schema from 0 to ${LAST.name}`));
  assert.doesNotMatch(text, /migration failed|check failed/);
  assert.equal(applied(q), allApplied);
  assertSameSchema(schemaDump(db), referenceDump(), 'the schema psql -f makes');
  assert.equal(q("SELECT obj_description('ssehub.events'::regclass, 'pg_class')"), 'ssehub schema 12',
    'the fence for nodes before migrations');
});

test('a second start applies nothing', () => {
  const db = freshDb('sqlm_again');
  const q = psqlOn(db);
  serve('again1', db);
  const at = q('SELECT string_agg(applied_at::text, \',\') FROM ssehub.migrations');
  // Migration 1 would put this function back: it must stay gone.
  q('DROP FUNCTION ssehub.revoke_subject(text, timestamptz)');
  const text = serve('again2', db);
  assert.doesNotMatch(text, /migrating the schema/);
  assert.equal(q("SELECT to_regprocedure('ssehub.revoke_subject(text, timestamptz)') IS NULL"), 't');
  assert.equal(q('SELECT string_agg(applied_at::text, \',\') FROM ssehub.migrations'), at);
  assert.equal(applied(q), allApplied);
});

test('a database of ssehub schema 11 (a version comment, no migrations) is brought up to date', () => {
  const db = freshDb('sqlm_schema11');
  const q = psqlOn(db);
  execFileSync('psql', [db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(ROOT, 'tests/sql/schema11.sql')],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  assert.equal(q("SELECT obj_description('ssehub.events'::regclass, 'pg_class')"), 'ssehub schema 11');
  assert.equal(q("SELECT to_regclass('ssehub.migrations') IS NULL"), 't');

  const text = serve('schema11', db);
  assert.match(text, new RegExp(`store: migrating the schema from 0 to ${LAST.name}`));
  assert.equal(applied(q), allApplied);
  // It was loaded from a dump: so is the reference, to compare.
  assertSameSchema(reloaded(schemaDump(db), 'sqlm_schema11_again'), reloaded(referenceDump(), 'sqlm_reference_again'),
    'the same schema as a fresh one');
  // Its data kept: event 4, trimmed through 3, the key; ids go on.
  assert.equal(q("SELECT string_agg(id || ' ' || data, ',') FROM ssehub.events"), '4 four');
  assert.equal(q('SELECT trimmed_through FROM ssehub.trim'), '3');
  assert.equal(q("SELECT last_id FROM ssehub.idempotency WHERE key = 'k1'"), '4');
  assert.equal(q("SELECT ssehub.append('{a}', '{m}', '{five}')"), '5');
});

test('a database with a migration this node does not know is left alone', () => {
  const db = freshDb('sqlm_newer');
  const q = psqlOn(db);
  migrateAllByHand(db);
  const future = LAST.version + 1;
  q(`INSERT INTO ssehub.migrations (version, name) VALUES (${future}, 'from-a-newer-node')`);
  q('DROP FUNCTION ssehub.revoke_subject(text, timestamptz)');
  const text = serve('newer', db);
  assert.match(text, new RegExp(`the database has migration ${future}, newer than this ssehub's \\(${LAST.version}\\): upgrade this node`));
  assert.doesNotMatch(text, /migrating the schema/);
  assert.equal(q("SELECT to_regprocedure('ssehub.revoke_subject(text, timestamptz)') IS NULL"), 't', 'not put back');
  assert.equal(q('SELECT max(version) FROM ssehub.migrations'), String(future));
});

// A migration by hand (README.md) in progress when a node starts: the node
// waits for its lock, then finds it applied. Without the wait it would
// apply it again, and fail on the schema or the record the other is
// about to commit.
test('a node starting during a migration by hand waits for it', async () => {
  const db = freshDb('sqlm_by_hand_meanwhile');
  const q = psqlOn(db);
  const byHand = spawn('psql', [db, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'ignore', 'inherit'] });
  byHand.stdin.end(['BEGIN;', 'SELECT pg_advisory_xact_lock(7283451001);',
    ...MIGRATIONS.flatMap((m) => [`\\i ${m.file}`,
      `INSERT INTO ssehub.migrations (version, name) VALUES (${m.version}, '${m.name}');`]),
    'SELECT pg_sleep(2);', 'COMMIT;', ''].join('\n'));
  // The lock's key in pg_locks: its high and low 32 bits.
  const held = () => q(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = ${Math.floor(7283451001 / 2 ** 32)} AND objid = ${7283451001 % 2 ** 32}`);
  for (let i = 0; i < 100 && held() === '0'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(held(), '1', 'the migration by hand holds the lock');
  const text = serve('meanwhile', db);
  assert.equal(await new Promise((r) => byHand.on('close', r)), 0);
  assert.doesNotMatch(text, /migrating the schema|migration failed|check failed/);
  assert.equal(applied(q), allApplied);
});

// Not there at start-up: every worker's log connection checks when it gets
// through, under the lock, so exactly one of them migrates (without it,
// two that check at once would both apply migration 1 and both record
// it: a duplicate key; four workers make that likely).
test('a database that appears after start-up: one worker migrates it', async () => {
  const name = 'sqlm_late';
  const cluster = process.env.SSEHUB_DB;
  pg.psql(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const db = `${cluster} dbname=${name}`;
  // A process of its own: serve() blocks this one until /healthz answers.
  const creating = spawn('sh', ['-c', `sleep 1.5 && psql "$0" -qXc 'CREATE DATABASE ${name}'`, cluster],
    { stdio: 'inherit' });
  const text = serve('late', db, workers(4));
  assert.equal(await new Promise((r) => creating.on('close', r)), 0);
  assert.match(text, /store: database not reachable at start/);
  assert.equal(text.match(/store: migrating the schema from 0/g)?.length, 1, text);
  assert.doesNotMatch(text, /migration failed|check failed|duplicate key/);
  assert.equal(applied(psqlOn(db)), allApplied);
  assertSameSchema(schemaDump(db), referenceDump(), 'the schema psql -f makes');
});
