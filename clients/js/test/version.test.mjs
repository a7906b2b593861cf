/* The package, the module and the server share one version. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VERSION } from '../ssehub.js';

const read = (path) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('package.json, VERSION and the module agree', () => {
  const pkg = JSON.parse(read('../package.json'));
  assert.equal(pkg.version, read('../../../VERSION').trim());
  assert.equal(VERSION, pkg.version);
});
