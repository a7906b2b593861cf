// tools/sql_embed.c against psql itself: a migration with the variables
// in every place psql does and does not replace them gives the same rows
// run by psql -f (psql substitutes, from sql/limits.psql) as run from
// the server's embedded copy (the tool substituted); and what the tool
// refuses.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from './lib.mjs';

const DB = process.env.SSEHUB_DB;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlembed-'));
after(() => fs.rmSync(tmp, { recursive: true }));

const tool = path.join(tmp, 'sql_embed');
execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-Isrc', '-o', tool, 'tools/sql_embed.c'], { cwd: ROOT });
fs.copyFileSync(path.join(ROOT, 'sql/limits.psql'), path.join(tmp, 'limits.psql'));

// Writes 001-probe.sql; the tool's run on it.
function embed(sql) {
  const file = path.join(tmp, '001-probe.sql');
  fs.writeFileSync(file, sql);
  return spawnSync(tool, ['c', file], { encoding: 'utf8' });
}

// The embedded text of the probe, as the server holds it: the generated C
// compiled with a main that prints it.
function embedded(sql) {
  const r = embed(sql);
  assert.equal(r.status, 0, r.stderr);
  fs.writeFileSync(path.join(tmp, 'gen.c'), r.stdout);
  fs.writeFileSync(path.join(tmp, 'main.c'),
    '#include <stdio.h>\n#include "sql_migrations.h"\nint main(void) { fputs(sql_migrations[0].sql, stdout); return 0; }\n');
  const bin = path.join(tmp, 'probe');
  execFileSync('cc', ['-std=gnu11', '-Wall', '-Werror', `-I${path.join(ROOT, 'src')}`, '-o', bin,
    path.join(tmp, 'gen.c'), path.join(tmp, 'main.c')]);
  return execFileSync(bin).toString();
}

const psql = (args, input) => execFileSync('psql', [DB, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', ...args],
  { input, encoding: 'utf8' });

test('the tool replaces a variable where psql does, and only there', () => {
  const probe = `\\ir limits.psql
-- :event_max in a comment; /* and */ in one: /* :event_max */
/* :event_max /* nested :event_max */ still :event_max */
SELECT :'topic_pattern' AS pattern, :event_max + 1 AS plus, 1::int AS cast_,
  ':event_max' AS quoted, E'it''s \\\\ \\' :event_max' AS escaped, $x$ :event_max $'$ $x$ AS dollar,
  (SELECT $$:event_max$$) AS anon, 'a' ":event_max" , :'key_window'::interval AS window_;
CREATE TEMP TABLE probe_t (v int CHECK (v <= :event_max));
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'probe_t'::regclass;
`;
  const text = embedded(probe);
  assert.match(text, /INSERT INTO ssehub\.migrations \(version, name\) VALUES \(1, '001-probe'\);\n$/);
  const run = text.replace(/INSERT INTO ssehub\.migrations.*\n$/, '');
  const byPsql = psql(['-f', path.join(tmp, '001-probe.sql')]);
  const byServer = psql([], run);
  assert.equal(byServer, byPsql);
  assert.equal(byPsql, [
    `^[A-Za-z0-9._-]{1,64}$|65|1|:event_max|it's \\ ' :event_max| :event_max $'$ |:event_max|a|24:00:00`,
    'CHECK ((v <= 64))', ''].join('\n'));
});

test('the tool refuses what psql would read otherwise, and bad names', () => {
  const refused = [
    ['SELECT :event_maxx;\n', /unknown variable/],
    ["SELECT :'event_max';\n", /a number, not a literal/],
    ['SELECT :topic_pattern;\n', /a literal: write :'name'/],
    ['\\set x 1\nSELECT 1;\n', /only "\\ir limits.psql" may be a psql command/],
    ["SELECT 'open;\n", /quote not closed/],
    ['SELECT $f$ open;\n', /dollar quote not closed/],
    ['SELECT 1 /* open;\n', /comment not closed/],
    ['SELECT 1\n', /no ';' at the end/],
  ];
  for (const [sql, why] of refused) {
    const r = embed(sql);
    assert.notEqual(r.status, 0, sql);
    assert.match(r.stderr, why, sql);
  }
  for (const name of ['002-probe.sql', '01-probe.sql', '001-pro.be.sql', '001-.sql']) {
    fs.writeFileSync(path.join(tmp, name), 'SELECT 1;\n');
    const r = spawnSync(tool, ['c', path.join(tmp, name)], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, name);
    assert.match(r.stderr, /not sql\/001-<name>\.sql/, name);
  }
});
