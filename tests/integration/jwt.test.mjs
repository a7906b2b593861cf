// Issue 13: JSON Web Tokens on /stream and /publish (HS256/RS256/ES256,
// made here with Node's crypto, not by the server's library), where the
// token comes from (header, cookie, query) and in which order, claims
// against private topics (live and replayed), expiry of open streams,
// revocation (SQL and POST /revoke, on every node), and tokens never in
// a log line or a metric.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, TOKEN, startServer, stopServer, Stream, publish, request, psql, psqlScript, headId, sleep,
} from './lib.mjs';
import { exchange, parseResponse, requestHead } from '../lib/http.mjs';
import { jwt, signRaw, claims, now, b64u } from '../lib/jwt.mjs';

const VAR = process.env.SSEHUB_TEST_VAR || path.join(ROOT, 'var/test');
const DIR = path.join(VAR, 'jwt-files');
const SERVER_SH = path.join(ROOT, 'tests/lib/server.sh');
const run = randomBytes(4).toString('hex'); // subjects and jtis unique per run (the database outlives it)

const HS_PORT = 19720;
const RS_PORT = 19722;
const ES_PORT = 19724;
const N1_PORT = 19726;
const N2_PORT = 19728;
const SPARE_PORT = 19730;

const SECRET = randomBytes(32).toString('hex'); // 64 bytes
const AUD = 'ssehub-test';
const ISS = 'https://app.test';
const LEEWAY = 1;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaOther = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecOther = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RSA_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' });
const EC_PEM = ec.publicKey.export({ type: 'spki', format: 'pem' });

// Every token made here, by server: none may show in its log or metrics.
const minted = { 'jwt-hs': [], 'jwt-rs': [], 'jwt-es': [], 'jwt-n1': [], 'jwt-n2': [] };
function hs(c, opts = {}) {
  const t = jwt(c, { alg: 'HS256', key: SECRET, ...opts });
  minted['jwt-hs'].push(t);
  return t;
}
// A valid subscriber/publisher token for the HS server (aud, iss set).
const hsUser = (o = {}) => hs(claims({ aud: AUD, iss: ISS, ...o }));

const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const cookie = (t) => ({ Cookie: `theme=dark; ssehub_token=${t}; lang=en` });
const q = (t) => `access_token=${encodeURIComponent(t)}`;

fs.mkdirSync(DIR, { recursive: true });
const ACL = path.join(DIR, 'acl.conf');
fs.writeFileSync(ACL, [
  'private   private.* secret.*',
  'subscribe static-reader-token private.static.*',
  'publish   static-writer-token chat.*',
  'origin    https://app.example',
  '',
].join('\n'));
const RSA_FILE = path.join(DIR, 'rsa.pub.pem');
const EC_FILE = path.join(DIR, 'ec.pub.pem');
fs.writeFileSync(RSA_FILE, RSA_PEM);
fs.writeFileSync(EC_FILE, EC_PEM);

const logOf = (name) => path.join(VAR, name, 'log');

// One request on a fresh connection, for /stream too: resolves once the
// head of a 200 event stream is in (and hangs up), or once an error's
// whole body is in. Never waits on a stream that was wrongly opened.
async function probe(port, { method = 'GET', path: p = '/stream', headers = {}, body = null } = {}) {
  const data = body === null ? null : Buffer.from(body);
  const head = requestHead(method, p, headers, data ? data.length : null);
  const complete = (raw) => {
    const r = parseResponse(raw);
    if (!r) return false;
    if (r.status === 200 && /event-stream/.test(r.headers['content-type'] || '')) return true;
    return r.headers['content-length'] !== undefined && r.body.length >= Number(r.headers['content-length']);
  };
  const x = await exchange(port, data ? [head, data] : [head], { waitMs: 5000, until: complete });
  const r = parseResponse(x.raw);
  if (r) return { ...r, body: r.body.toString() };
  if (!x.closed) throw new Error(`${method} ${p.slice(0, 80)}: no answer in 5 s`);
  throw new Error(`no response head: ${JSON.stringify(x.raw.toString().slice(0, 200))}`);
}

// The request is refused with status and a JSON {"error"}; 401s also
// carry WWW-Authenticate: Bearer error="invalid_token". Returns the error.
async function refused(port, status, opts, what) {
  const r = await probe(port, opts);
  assert.equal(r.status, status, `${what}: got ${r.status} ${r.body.slice(0, 200)}`);
  let j;
  assert.doesNotThrow(() => { j = JSON.parse(r.body); }, `${what}: body is not JSON: ${r.body.slice(0, 200)}`);
  assert.equal(typeof j.error, 'string', `${what}: no "error" in ${r.body}`);
  if (status === 401) {
    assert.match(r.headers['www-authenticate'] || '', /^Bearer\b.*error="invalid_token"/, `${what}: www-authenticate`);
  }
  return j.error;
}

async function accepted(port, opts, what) {
  const r = await probe(port, opts);
  assert.equal(r.status, 200, `${what}: got ${r.status} ${r.body.slice(0, 200)}`);
  assert.match(r.headers['content-type'], /^text\/event-stream/, what);
}

async function open(s, what = 'open') {
  await s.until((x) => x.retry !== null || x.closed || (x.status !== null && x.status !== 200), 3000, what);
  assert.equal(s.status, 200, `${what}: status ${s.status} ${s.raw.slice(0, 200)}`);
  assert.ok(!s.closed, `${what}: closed at once`);
  return s;
}

// The time (ms, Date.now()) a stream's socket closed, once it has.
function closeTime(s) {
  return new Promise((resolve) => {
    if (s.closed) resolve(Date.now());
    else s.sock.on('close', () => resolve(Date.now()));
  });
}

const rows = (sql) => { const o = psql(sql); return o === '' ? [] : o.split('\n'); };
const countData = (marker) => Number(psql(`SELECT count(*) FROM ssehub.events WHERE data = '${marker}'`));

// Starts an instance that should refuse to: resolves 'refused' when its
// kore exits (or never comes up), 'started' when /healthz answers.
function startOutcome(name, port, env) {
  return new Promise((resolve) => {
    const dir = path.join(VAR, name);
    fs.rmSync(path.join(dir, 'pid'), { force: true });
    const p = spawn(SERVER_SH, ['start', name, String(port), String(port + 1)], {
      env: { ...process.env, SSEHUB_TOKEN: TOKEN, SSEHUB_TICK_MS: '0', ...env }, stdio: 'ignore',
    });
    let done = false;
    const finish = (what) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (p.exitCode === null) p.kill('SIGKILL');
      try {
        stopServer(name);
      } catch { /* gone already */ }
      resolve(what);
    };
    p.on('close', (code) => finish(code === 0 ? 'started' : 'refused'));
    const poll = setInterval(() => {
      let pid;
      try {
        pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      } catch {
        return;
      }
      // Gone, or a zombie server.sh has not reaped yet.
      let state = 'Z';
      try {
        state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      } catch { /* gone */ }
      if (state === 'Z') finish('refused');
    }, 200);
    setTimeout(() => finish('timeout'), 20000);
  });
}

function noTokenIn(name, tokens, text, where) {
  for (const t of tokens) {
    const [, payload, sig] = t.split('.');
    assert.ok(!text.includes(t), `${where} holds a whole token`);
    // The signature alone is as good as a token to nobody, but it is the
    // part that is unique: finding it means the token was written out.
    if (sig && sig.length >= 16) assert.ok(!text.includes(sig), `${where} holds a token's signature`);
    if (payload && payload.length >= 16) assert.ok(!text.includes(payload), `${where} holds a token's payload`);
  }
}

// ---------------------------------------------------------------- HS256

describe('HS256 (SSEHUB_JWT_SECRET, audience, issuer)', () => {
  before(() => startServer('jwt-hs', HS_PORT, HS_PORT + 1, {
    SSEHUB_ACL: ACL,
    SSEHUB_JWT_SECRET: SECRET,
    SSEHUB_JWT_AUDIENCE: AUD,
    SSEHUB_JWT_ISSUER: ISS,
    SSEHUB_JWT_LEEWAY: String(LEEWAY),
    SSEHUB_RING: '16', // replays of more than 16 events come from the store
  }));
  after(() => stopServer('jwt-hs'));

  test('a valid token opens a private topic and gets its events; HS384 and HS512 too', async () => {
    const t = hsUser({ sub: `u42-${run}`, subscribe: ['private.u42', 'orders.42.*'] });
    const s = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(t) }));
    const r = await publish(HS_PORT, { topic: 'private.u42', data: 'for 42' });
    await s.until((x) => x.events.length === 1, 3000, 'private event');
    assert.equal(Number(s.events[0].id), r.json.id);
    assert.equal(s.events[0].data, 'for 42');
    s.close();

    for (const alg of ['HS384', 'HS512']) {
      const t2 = hs(claims({ aud: AUD, iss: ISS, subscribe: ['private.u42'] }), { alg });
      await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(t2) }, alg);
    }
    // aud may be an array that contains the audience.
    const arr = hsUser({ aud: ['someone-else', AUD], subscribe: ['private.u42'] });
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(arr) }, 'aud array');
    // A prefix pattern.
    const pre = hsUser({ subscribe: ['private.team.*'] });
    await accepted(HS_PORT, { path: '/stream?topic=private.team.blue&topic=private.team.red', headers: bearer(pre) }, 'prefix');
    await refused(HS_PORT, 403, { path: '/stream?topic=private.team.blue&topic=private.teams', headers: bearer(pre) }, 'prefix is not a substring');
  });

  test('a publish token publishes to its topics (exp optional); an expired one is refused', async () => {
    const t = hs(claims({ aud: AUD, iss: ISS, publish: ['chat.*', 'news'], ttl: undefined, exp: undefined }));
    assert.equal(JSON.parse(Buffer.from(t.split('.')[1], 'base64url')).exp, undefined);
    const marker = `jwt-pub-${run}`;
    let r = await publish(HS_PORT, [{ topic: 'chat.room1', data: marker }, { topic: 'news', data: marker }], bearer(t));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(rows(`SELECT topic FROM ssehub.events WHERE data = '${marker}' ORDER BY id`), ['chat.room1', 'news']);

    const old = hsUser({ publish: ['chat.*'], exp: now() - 30 });
    r = await publish(HS_PORT, { topic: 'chat.room1', data: `${marker}-expired` }, bearer(old));
    assert.equal(r.status, 401);
    assert.equal(typeof r.json?.error, 'string');
    assert.match(r.headers['www-authenticate'] || '', /error="invalid_token"/);
    assert.equal(countData(`${marker}-expired`), 0);
  });

  test('publish: the claim must cover every topic of the batch (403 naming it, nothing stored)', async () => {
    const t = hsUser({ publish: ['chat.*'] });
    const marker = `jwt-batch-${run}`;
    let r = await publish(HS_PORT, [{ topic: 'chat.a', data: marker }, { topic: 'news', data: marker }, { topic: 'chat.b', data: marker }], bearer(t));
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(r.json.error, /news/);
    assert.equal(countData(marker), 0, 'nothing of the batch stored');
    // A subscriber's token (no publish claim) may not publish at all.
    const sub = hsUser({ subscribe: ['*'] });
    r = await publish(HS_PORT, { topic: 'chat.a', data: marker }, bearer(sub));
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(typeof r.json.error, 'string');
    // On /publish the token comes from Authorization only.
    r = await request(HS_PORT, {
      method: 'POST', path: `/publish?${q(t)}`, headers: { 'Content-Type': 'application/json', ...cookie(t) },
      body: JSON.stringify({ topic: 'chat.a', data: marker }),
    });
    assert.equal(r.status, 401, r.body.toString());
    assert.equal(typeof JSON.parse(r.body).error, 'string');
    assert.equal(countData(marker), 0);
  });

  test('bad tokens on /stream: 401, JSON error, WWW-Authenticate', async () => {
    const good = { aud: AUD, iss: ISS, subscribe: ['private.u42'] };
    const otherSecret = randomBytes(32).toString('hex');
    const valid = hsUser(good);
    const [h, p, sig] = valid.split('.');
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    const noneHeader = b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const cases = {
      'signed with another secret': jwt(claims(good), { key: otherSecret }),
      'one signature character changed': `${h}.${p}.${flipped}`,
      'payload changed under the old signature': `${h}.${b64u(JSON.stringify(claims({ ...good, subscribe: ['*'] })))}.${sig}`,
      'alg none, empty signature': jwt(claims(good), { alg: 'none' }),
      'alg none, signature kept': `${noneHeader}.${p}.${sig}`,
      'alg None (case)': `${b64u(JSON.stringify({ alg: 'None', typ: 'JWT' }))}.${p}.`,
      'alg RS256 with an HMAC signature': `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${p}.${sig}`,
      expired: hsUser({ ...good, exp: now() - 3 - LEEWAY }),
      'not yet valid': hsUser({ ...good, nbf: now() + 30 }),
      'wrong audience': hsUser({ ...good, aud: 'another-app' }),
      'audience array without ours': hsUser({ ...good, aud: ['a', 'b'] }),
      'no audience': hsUser({ ...good, aud: undefined }),
      'wrong issuer': hsUser({ ...good, iss: 'https://evil.test' }),
      'no issuer': hsUser({ ...good, iss: undefined }),
      'no exp on /stream': hs({ aud: AUD, iss: ISS, iat: now(), ssehub: { subscribe: ['private.u42'] } }),
      'malformed base64 in the payload (validly signed)': signRaw(`${h}.${p.slice(0, 8)}*%${p.slice(10)}`, { key: SECRET }),
      'malformed base64 in the header (validly signed)': signRaw(`!!${h.slice(2)}.${p}`, { key: SECRET }),
      'payload of impossible length (4k+1)': signRaw(`${h}.${p}${'A'.repeat((5 - (p.length % 4)) % 4)}`, { key: SECRET }),
      'payload is not JSON (validly signed)': signRaw(`${h}.${b64u('{"exp": 99999999999, "ssehub": ')}`, { key: SECRET }),
      'header is not JSON (validly signed)': signRaw(`${b64u('{"alg":"HS256"')}.${p}`, { key: SECRET }),
      'two parts': `${h}.${p}`,
      'four parts': `${valid}.${sig}`,
      'subscribe claim not a list': hsUser({ ...good, subscribe: 'private.u42' }),
      'ssehub claim not an object': hs({ ...claims({ aud: AUD, iss: ISS }), ssehub: 'all' }),
      'seventeen subscribe patterns': hsUser({ ...good, subscribe: Array.from({ length: 17 }, (_, i) => `private.p${i}`) }),
      'a pattern that is not a string': hsUser({ ...good, subscribe: ['private.u42', 42] }),
    };
    // The 4k+1 case must really be 4k+1 long.
    assert.equal(cases['payload of impossible length (4k+1)'].split('.')[1].length % 4, 1);
    // Every case is tried; the failures are listed together.
    const failures = [];
    const expect401 = (opts, what) => refused(HS_PORT, 401, opts, what).catch((e) => failures.push(e.message.split('\n')[0]));
    for (const [what, t] of Object.entries(cases)) {
      await expect401({ path: '/stream?topic=private.u42', headers: bearer(t) }, `${what} (header, private topic)`);
      // A bad token is refused even where none is needed: it is not ignored.
      await expect401({ path: '/stream?topic=public', headers: bearer(t) }, `${what} (header, public topic)`);
      if (t.length < 1800) await expect401({ path: `/stream?topic=private.u42&${q(t)}` }, `${what} (query)`);
      await expect401({ path: '/stream?topic=private.u42', headers: cookie(t) }, `${what} (cookie)`);
    }
    assert.deepEqual(failures, [], `${failures.length} bad tokens not refused as they should be`);
  });

  test('bad tokens on /publish: 401, JSON error, WWW-Authenticate, nothing stored', async () => {
    const good = { aud: AUD, iss: ISS, publish: ['*'] };
    const [h, p] = hs(claims(good)).split('.');
    const cases = {
      'signed with another secret': jwt(claims(good), { key: randomBytes(32).toString('hex') }),
      'alg none': jwt(claims(good), { alg: 'none' }),
      'wrong audience': hsUser({ ...good, aud: 'x' }),
      'not yet valid': hsUser({ ...good, nbf: now() + 60 }),
      'malformed base64 in the payload (validly signed)': signRaw(`${h}.${p.slice(0, 6)}*${p.slice(7)}`, { key: SECRET }),
      'two parts': `${h}.${p}`,
    };
    for (const t of Object.values(cases)) minted['jwt-hs'].push(t);
    const failures = [];
    for (const [what, bad] of Object.entries(cases)) {
      const r = await publish(HS_PORT, { topic: 'chat.x', data: `bad-${run}` }, bearer(bad));
      if (r.status !== 401 || typeof r.json?.error !== 'string' || !/error="invalid_token"/.test(r.headers['www-authenticate'] || '')) {
        failures.push(`${what}: ${r.status} ${r.body} www-authenticate: ${r.headers['www-authenticate']}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(countData(`bad-${run}`), 0);
  });

  test('leeway: exp passed and nbf not reached, both within it, are accepted', async () => {
    // LEEWAY = 1. nbf in the next whole second: not reached, but within.
    const almostValid = hsUser({ subscribe: ['private.u42'], nbf: now() + LEEWAY });
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(almostValid) }, 'nbf = now + leeway');
    // exp passed by 0.1 s, with 0.9 s of leeway left.
    const exp = now() + 1;
    const justExpired = hsUser({ subscribe: ['private.u42'], exp });
    await sleep(exp * 1000 + 100 - Date.now());
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(justExpired) }, 'exp passed, within leeway');
    // ... and refused once exp + leeway has passed.
    await sleep((exp + LEEWAY) * 1000 + 300 - Date.now());
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(justExpired) }, 'exp + leeway passed');
  });

  test('tokens over 8192 bytes are refused (401), 8192 bytes are not', async () => {
    const sized = (target) => {
      let best = null;
      const c = claims({ aud: AUD, iss: ISS, subscribe: ['private.u42'] });
      for (let n = 4000; n < target; n++) {
        const t = jwt({ ...c, pad: 'x'.repeat(n) }, { key: SECRET });
        if (t.length > target) return { under: best, over: t };
        best = t;
      }
      throw new Error('no size');
    };
    const { under, over } = sized(8192);
    minted['jwt-hs'].push(under, over);
    assert.ok(under.length <= 8192 && under.length >= 8189, `under: ${under.length}`);
    assert.ok(over.length > 8192 && over.length <= 8195, `over: ${over.length}`);
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(under) }, `${under.length}-byte token, header`);
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: { Cookie: `ssehub_token=${under}` } }, `${under.length}-byte token, cookie`);
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(over) }, `${over.length}-byte token, header`);
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: { Cookie: `ssehub_token=${over}` } }, `${over.length}-byte token, cookie`);
    const big = hsUser({ subscribe: ['*'], pad: 'y'.repeat(7000) });
    assert.ok(big.length > 8192);
    const r = await publish(HS_PORT, { topic: 'chat.x', data: `big-${run}` }, bearer(big));
    assert.equal(r.status, 401, 'over 8192 on /publish');
    // In the query an oversize token cannot fit Kore's request target
    // (2000 bytes): ssehub answers Kore's 414 in JSON, before Kore.
    const rq = await probe(HS_PORT, { path: `/stream?topic=private.u42&${q(over)}` });
    assert.equal(rq.status, 414, `over 8192 in the query: ${rq.status}`);
    assert.match(JSON.parse(rq.body).error, /request target over 1998 bytes/);
  });

  test('a query token that fits the request target works; one byte more of target is a JSON 414', async () => {
    const base = '/stream?topic=private.u42&access_token=';
    const t = hsUser({ subscribe: ['private.u42'], pad: 'z'.repeat(1200) });
    minted['jwt-hs'].push(t);
    assert.ok(base.length + t.length < 1998, `${base.length + t.length}`);
    await accepted(HS_PORT, { path: base + t }, `${t.length}-byte token in the query`);
    const pad = '&x=' + 'x'.repeat(1998 - base.length - t.length - 3);
    assert.equal((base + t + pad).length, 1998);
    const r = await probe(HS_PORT, { path: base + t + pad + 'x' });
    assert.equal(r.status, 414, `1999-byte target: ${r.status}`);
    assert.match(JSON.parse(r.body).error, /over 1998 bytes/);
  });

  test('a request head over 16384 bytes gets 431 JSON', async () => {
    const t = hsUser({ subscribe: ['private.u42'] });
    const r = await probe(HS_PORT, { path: '/stream?topic=private.u42', headers: { ...bearer(t), 'X-Pad': 'p'.repeat(17000) } });
    assert.equal(r.status, 431, `got ${r.status}`);
    assert.match(JSON.parse(r.body).error, /16384/);
  });

  test('a valid token for another topic: 403 naming it; no claim reads public topics only', async () => {
    const t = hsUser({ subscribe: ['private.u42', 'private.orders.42.*'] });
    let e = await refused(HS_PORT, 403, { path: '/stream?topic=private.u43', headers: bearer(t) }, 'another topic');
    assert.match(e, /private\.u43/);
    assert.match(e, /private/);
    e = await refused(HS_PORT, 403, { path: '/stream?topic=private.u42&topic=private.orders.43.a', headers: bearer(t) }, 'one topic of two');
    assert.match(e, /private\.orders\.43\.a/);
    await refused(HS_PORT, 403, { path: '/stream?topic=secret.x', headers: bearer(t) }, 'second private pattern');
    await accepted(HS_PORT, { path: '/stream?topic=private.orders.42.a&topic=public', headers: bearer(t) }, 'allowed + public');

    const none = hs(claims({ aud: AUD, iss: ISS, sub: 'nobody' }));
    assert.equal(JSON.parse(Buffer.from(none.split('.')[1], 'base64url')).ssehub, undefined);
    await accepted(HS_PORT, { path: '/stream?topic=public', headers: bearer(none) }, 'no ssehub claim, public topic');
    await refused(HS_PORT, 403, { path: '/stream?topic=private.u42', headers: bearer(none) }, 'no ssehub claim, private topic');
    // A publish claim is no subscribe claim.
    const pub = hsUser({ publish: ['private.*'] });
    await refused(HS_PORT, 403, { path: '/stream?topic=private.u42', headers: bearer(pub) }, 'publish claim on /stream');
  });

  test('token sources: header, cookie, query; header before cookie before query', async () => {
    const a = hsUser({ subscribe: ['private.a'] });
    const b = hsUser({ subscribe: ['private.b'] });
    const c = hsUser({ subscribe: ['private.c'] });
    const garbage = 'not.a.token';
    // Each source alone.
    await accepted(HS_PORT, { path: '/stream?topic=private.a', headers: bearer(a) }, 'header');
    await accepted(HS_PORT, { path: '/stream?topic=private.a', headers: cookie(a) }, 'cookie among others');
    await accepted(HS_PORT, { path: '/stream?topic=private.a', headers: { Cookie: `ssehub_token=${a}` } }, 'cookie alone');
    await accepted(HS_PORT, { path: `/stream?topic=private.a&${q(a)}` }, 'query');
    // A cookie of another name is no token.
    await refused(HS_PORT, 403, { path: '/stream?topic=private.a', headers: { Cookie: `ssehub_tokens=${a}; xssehub_token=${a}` } }, 'other cookie names');
    // Header wins over cookie and query.
    const all = { path: `/stream?topic=private.a&${q(c)}`, headers: { ...bearer(a), ...cookie(b) } };
    await accepted(HS_PORT, all, 'header a, cookie b, query c: topic a');
    await refused(HS_PORT, 403, { ...all, path: `/stream?topic=private.b&${q(c)}` }, 'header a, cookie b, query c: topic b');
    await refused(HS_PORT, 403, { ...all, path: `/stream?topic=private.c&${q(c)}` }, 'header a, cookie b, query c: topic c');
    // Cookie wins over query.
    await accepted(HS_PORT, { path: `/stream?topic=private.b&${q(c)}`, headers: cookie(b) }, 'cookie b, query c: topic b');
    await refused(HS_PORT, 403, { path: `/stream?topic=private.c&${q(c)}`, headers: cookie(b) }, 'cookie b, query c: topic c');
    // First found wins even when it is bad: no falling through to the next.
    await refused(HS_PORT, 401, { path: '/stream?topic=private.b', headers: { ...bearer(garbage), ...cookie(b) } }, 'bad header, good cookie');
    await refused(HS_PORT, 401, { path: `/stream?topic=private.c&${q(c)}`, headers: cookie(garbage) }, 'bad cookie, good query');
  });

  test('static tokens keep working beside JWTs', async () => {
    await accepted(HS_PORT, { path: '/stream?topic=private.static.x', headers: bearer('static-reader-token') }, 'static reader');
    await accepted(HS_PORT, { path: '/stream?topic=private.static.x', headers: { Cookie: 'ssehub_token=static-reader-token' } }, 'static reader, cookie');
    await refused(HS_PORT, 403, { path: '/stream?topic=private.u42', headers: bearer('static-reader-token') }, 'static reader, other topic');
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(TOKEN) }, 'admin reads all');
    let r = await publish(HS_PORT, { topic: 'chat.static', data: `static-${run}` }, bearer('static-writer-token'));
    assert.equal(r.status, 201);
    r = await publish(HS_PORT, { topic: 'news', data: `static-${run}` }, bearer('static-writer-token'));
    assert.equal(r.status, 403);
    assert.equal(countData(`static-${run}`), 1);
  });

  test('a private topic never leaks on a wildcard stream, live or replayed', async () => {
    const topics = ['pub.a', 'private.u42', 'private.u43', 'secret.x', 'pub.b', 'private.static.y'];
    const t42 = hsUser({ subscribe: ['private.u42'] });
    const tPub = hsUser({ subscribe: ['other.*'] });
    const head = headId();
    const live42 = await open(new Stream(HS_PORT, { path: '/stream', headers: bearer(t42) }), 'live 42');
    const liveQ = await open(new Stream(HS_PORT, { path: `/stream?${q(t42)}` }), 'live 42 query');
    const liveC = await open(new Stream(HS_PORT, { path: '/stream', headers: { Cookie: `ssehub_token=${t42}` } }), 'live 42 cookie');
    const livePub = await open(new Stream(HS_PORT, { path: '/stream', headers: bearer(tPub) }), 'live other');
    const liveAnon = await open(new Stream(HS_PORT, { path: '/stream' }), 'live anonymous');
    // 48 events (over the ring of 16), in two batches and a few singles.
    const batch = (k) => Array.from({ length: 20 }, (_, i) => ({ topic: topics[(i + k) % topics.length], data: `leak-${run}-${k}-${i}` }));
    assert.equal((await publish(HS_PORT, batch(0))).status, 201);
    for (let i = 0; i < 8; i++) assert.equal((await publish(HS_PORT, { topic: topics[i % topics.length], data: `leak-${run}-s${i}` })).status, 201);
    assert.equal((await publish(HS_PORT, batch(3))).status, 201);
    const last = headId();
    const idsWhere = (cond) => rows(`SELECT id FROM ssehub.events WHERE id > ${head} AND id <= ${last} AND (${cond}) ORDER BY id`).map(Number);
    const isPublic = "topic NOT LIKE 'private.%' AND topic NOT LIKE 'secret.%'";
    const for42 = idsWhere(`${isPublic} OR topic = 'private.u42'`);
    const forPublic = idsWhere(isPublic);
    const privateIds = new Set(idsWhere(`NOT (${isPublic})`));
    assert.ok(for42.length > forPublic.length && forPublic.length > 0 && privateIds.size > 0);

    const check = async (s, want, what) => {
      await s.until((x) => x.ids().includes(want.at(-1)), 5000, `${what}: last id`);
      await sleep(300);
      const got = s.ids().filter((id) => id > head && id <= last);
      assert.deepEqual(got.filter((id) => privateIds.has(id) && !want.includes(id)), [], `${what}: private ids leaked`);
      assert.deepEqual(got, want, `${what}: ids`);
      s.close();
    };
    await check(live42, for42, 'live, token for private.u42');
    await check(liveQ, for42, 'live, query token for private.u42');
    await check(liveC, for42, 'live, cookie token for private.u42');
    await check(livePub, forPublic, 'live, token for other.*');
    await check(liveAnon, forPublic, 'live, anonymous');

    // Replayed: from the store (48 > ring of 16) and from memory (last 5).
    const recent = idsWhere('true').at(-6);
    for (const [cursor, how] of [[head, 'store'], [recent, 'memory']]) {
      const w42 = for42.filter((id) => id > cursor);
      const wPub = forPublic.filter((id) => id > cursor);
      await check(await open(new Stream(HS_PORT, { path: '/stream', headers: { ...bearer(t42), 'Last-Event-ID': String(cursor) } })), w42, `replay (${how}), token for private.u42`);
      await check(await open(new Stream(HS_PORT, { path: `/stream?last_event_id=${cursor}`, headers: cookie(t42) })), w42, `replay (${how}) by query cursor, cookie token`);
      await check(await open(new Stream(HS_PORT, { path: '/stream', headers: { ...bearer(tPub), 'Last-Event-ID': String(cursor) } })), wPub, `replay (${how}), token for other.*`);
      await check(await open(new Stream(HS_PORT, { path: '/stream', headers: { 'Last-Event-ID': String(cursor) } })), wPub, `replay (${how}), anonymous`);
    }
    // Positive control: a token for '*' gets every id.
    const all = hsUser({ subscribe: ['*'] });
    await check(await open(new Stream(HS_PORT, { path: '/stream', headers: { ...bearer(all), 'Last-Event-ID': String(head) } })), idsWhere('true'), 'replay, token for *');
  });

  test('a stream ends when its token expires: ": token expired" and a retry', async () => {
    const exp = now() + 3;
    const t = hsUser({ subscribe: ['private.u42'], exp });
    const long = hsUser({ subscribe: ['private.u42'], ttl: 3600 });
    const s = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: { Cookie: `ssehub_token=${t}` } }));
    const control = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(long) }));
    const closed = closeTime(s);
    const firstRetry = s.retry;
    const r = await publish(HS_PORT, { topic: 'private.u42', data: 'before expiry' });
    await s.until((x) => x.events.length === 1, 3000, 'event before expiry');
    assert.equal(Number(s.events[0].id), r.json.id);
    await s.until((x) => x.closed, (exp + LEEWAY - now() + 4) * 1000, 'closed at expiry');
    const at = await closed;
    const due = (exp + LEEWAY) * 1000;
    console.log(`# stream ended ${at - due} ms after exp + leeway`);
    assert.ok(at >= due - 1000, `ended ${due - at} ms before exp + leeway`);
    assert.ok(at <= due + 2000, `ended ${at - due} ms after exp + leeway`);
    // After the last event: the comment and a retry (in either order),
    // ending on a blank line.
    const tail = s.raw.slice(s.raw.lastIndexOf('data: before expiry'));
    assert.match(tail, /\n: token expired\r?\n/, `tail: ${JSON.stringify(tail)}`);
    assert.match(tail, /\nretry: \d+\r?\n/, `tail: ${JSON.stringify(tail)}`);
    assert.match(tail, /\n\r?\n$/, `tail: ${JSON.stringify(tail)}`);
    const finalRetry = Number(/\nretry: (\d+)\r?\n/.exec(tail)[1]);
    assert.ok(finalRetry >= 1000 && finalRetry <= 3000, `final retry ${finalRetry} (first ${firstRetry})`);
    // Others stay open; the expired token cannot come back.
    assert.equal(control.closed, false, 'a stream with a live token stays');
    const r2 = await publish(HS_PORT, { topic: 'private.u42', data: 'after expiry' });
    await control.until((x) => x.ids().includes(r2.json.id), 3000, 'control gets events');
    control.close();
    const e = await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: { Cookie: `ssehub_token=${t}` } }, 'expired token reconnecting');
    assert.match(e, /expired/);
  });

  test('revocation by jti (SQL): open streams end within 2 s, the token is refused, others are not', async () => {
    const jti = `jti-${run}-1`;
    const t = hsUser({ sub: `s-${run}-1`, jti, subscribe: ['private.u42'] });
    const other = hsUser({ sub: `s-${run}-1`, jti: `jti-${run}-1b`, subscribe: ['private.u42'] });
    const s1 = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(t) }));
    const s2 = await open(new Stream(HS_PORT, { path: '/stream', headers: { Cookie: `ssehub_token=${t}` } }));
    const keep = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(other) }));
    const ends = [closeTime(s1), closeTime(s2)];
    const t0 = Date.now();
    await psqlScript(`SELECT ssehub.revoke_token(jti => '${jti}');`);
    for (const s of [s1, s2]) await s.until((x) => x.closed, 4000, 'revoked stream closes');
    const took = Math.max(...await Promise.all(ends)) - t0;
    console.log(`# revoked jti: streams ended ${took} ms after the SQL call`);
    assert.ok(took <= 2000, `${took} ms`);
    for (const s of [s1, s2]) assert.match(s.raw, /: token revoked\r?\n/);
    assert.equal(keep.closed, false, 'another jti of the same subject stays');
    keep.close();
    const e = await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(t) }, 'revoked jti');
    assert.match(e, /revoked/);
    await refused(HS_PORT, 401, { path: '/stream?topic=public', headers: cookie(t) }, 'revoked jti, public topic');
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(other) }, 'another jti');
    // A revoked publish token.
    const pjti = `jti-${run}-p`;
    const p = hsUser({ jti: pjti, publish: ['chat.*'] });
    assert.equal((await publish(HS_PORT, { topic: 'chat.r', data: `rv-${run}` }, bearer(p))).status, 201);
    psql(`SELECT ssehub.revoke_token(jti => '${pjti}')`);
    await sleep(2000);
    const r = await publish(HS_PORT, { topic: 'chat.r', data: `rv-${run}` }, bearer(p));
    assert.equal(r.status, 401);
    assert.match(r.json.error, /revoked/);
    assert.equal(countData(`rv-${run}`), 1);
  });

  test('revocation by subject (SQL): tokens issued before it (or without iat) end and are refused; later ones work', async () => {
    const sub = `s-${run}-2`;
    const older = hsUser({ sub, iat: now() - 10, jti: `a-${run}`, subscribe: ['private.u42'] });
    const noIat = hsUser({ sub, iat: undefined, jti: `b-${run}`, subscribe: ['private.u42'] });
    const otherSub = hsUser({ sub: `${sub}-x`, subscribe: ['private.u42'] });
    assert.equal(JSON.parse(Buffer.from(noIat.split('.')[1], 'base64url')).iat, undefined);
    const s1 = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(older) }));
    const s2 = await open(new Stream(HS_PORT, { path: '/stream?topic=public', headers: bearer(noIat) }));
    const keep = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(otherSub) }));
    const ends = [closeTime(s1), closeTime(s2)];
    const t0 = Date.now();
    await psqlScript(`SELECT ssehub.revoke_subject(sub => '${sub}');`);
    for (const s of [s1, s2]) await s.until((x) => x.closed, 4000, 'revoked subject stream closes');
    const took = Math.max(...await Promise.all(ends)) - t0;
    console.log(`# revoked subject: streams ended ${took} ms after the SQL call`);
    assert.ok(took <= 2000, `${took} ms`);
    for (const s of [s1, s2]) assert.match(s.raw, /: token revoked\r?\n/);
    assert.equal(keep.closed, false, 'another subject stays');
    keep.close();
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(older) }, 'issued before');
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(noIat) }, 'no iat');
    // A token issued after the revocation (next whole second) is good.
    await sleep(1200);
    const fresh = hsUser({ sub, iat: now(), subscribe: ['private.u42'] });
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(fresh) }, 'issued after');
  });

  test('POST /revoke with the admin token: jti and sub; others may not', async () => {
    const jti = `jti-${run}-http`;
    const sub = `s-${run}-http`;
    const byJti = hsUser({ jti, subscribe: ['private.u42'] });
    const bySub = hsUser({ sub, iat: now() - 5, subscribe: ['private.u42'] });
    const admin = hsUser({ subscribe: ['*'], publish: ['*'] });
    const post = (body, headers) => request(HS_PORT, {
      method: 'POST', path: '/revoke', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body),
    }).then((r) => {
      let json = null;
      try {
        json = JSON.parse(r.body.toString());
      } catch { /* not JSON: the asserts say so */ }
      return { ...r, json };
    });

    // Not the admin: refused, and nothing revoked.
    for (const [headers, what] of [[{}, 'no token'], [bearer(admin), 'a JWT with every right'], [bearer('static-writer-token'), 'a publish token']]) {
      const r = await post({ jti }, headers);
      assert.ok(r.status === 401 || r.status === 403, `${what}: ${r.status}`);
      assert.equal(typeof r.json?.error, 'string', what);
    }
    await sleep(1500);
    await accepted(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(byJti) }, 'not revoked by others');

    const s1 = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(byJti) }));
    const s2 = await open(new Stream(HS_PORT, { path: '/stream?topic=private.u42', headers: bearer(bySub) }));
    const ends = [closeTime(s1), closeTime(s2)];
    const t0 = Date.now();
    let r = await post({ jti }, bearer(TOKEN));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { revoked: true });
    r = await post({ sub, until: now() + 3600 }, bearer(TOKEN));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { revoked: true });
    for (const s of [s1, s2]) await s.until((x) => x.closed, 4000, 'revoked over HTTP closes');
    const took = Math.max(...await Promise.all(ends)) - t0;
    console.log(`# POST /revoke: streams ended ${took} ms after the request`);
    assert.ok(took <= 2000, `${took} ms`);
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(byJti) }, 'revoked jti over HTTP');
    await refused(HS_PORT, 401, { path: '/stream?topic=private.u42', headers: bearer(bySub) }, 'revoked sub over HTTP');
    // A body with neither is a 400.
    r = await post({ who: 'x' }, bearer(TOKEN));
    assert.equal(r.status, 400);
    assert.equal(typeof r.json?.error, 'string', `not a JSON error: ${r.body}`);
  });

  test('no token in the log or in /metrics', async () => {
    const log = fs.readFileSync(logOf('jwt-hs'), 'utf8');
    assert.ok(log.length > 0, 'the log file is written');
    assert.ok(minted['jwt-hs'].length > 0);
    noTokenIn('jwt-hs', minted['jwt-hs'], log, 'the log');
    assert.ok(!log.includes(SECRET), 'the secret is in the log');
    const m = (await request(HS_PORT, { path: '/metrics' })).body.toString();
    assert.match(m, /ssehub_subscribers/);
    noTokenIn('jwt-hs', minted['jwt-hs'], m, '/metrics');
  });
});

// For a describe(): a server named name that verifies with the public
// key in keyFile; returns the minting function (alg, signed with key) of
// its tokens, each remembered for the "no token in the log" check.
function keyedServer(name, port, keyFile, alg, key) {
  before(() => startServer(name, port, port + 1, {
    SSEHUB_ACL: ACL, SSEHUB_JWT_KEY: keyFile, SSEHUB_JWT_LEEWAY: String(LEEWAY),
  }));
  after(() => stopServer(name));
  return (c, opts) => {
    const t = jwt(c, { alg, key, ...opts });
    minted[name].push(t);
    return t;
  };
}

// ---------------------------------------------------------------- RS256

describe('RS256 (SSEHUB_JWT_KEY, an RSA public key)', () => {
  const rs = keyedServer('jwt-rs', RS_PORT, RSA_FILE, 'RS256', rsa.privateKey);

  test('RS256, RS384, RS512 accepted on /stream; a publish token on /publish', async () => {
    const t = rs(claims({ sub: 'r1', subscribe: ['private.r1'] }));
    const s = await open(new Stream(RS_PORT, { path: '/stream?topic=private.r1', headers: bearer(t) }));
    const p = rs(claims({ publish: ['private.r1'] }));
    const r = await publish(RS_PORT, { topic: 'private.r1', data: `rs-${run}` }, bearer(p));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await s.until((x) => x.events.length === 1, 3000, 'event');
    assert.equal(Number(s.events[0].id), r.json.id);
    s.close();
    for (const alg of ['RS384', 'RS512']) {
      const t2 = rs(claims({ subscribe: ['private.r1'] }), { alg });
      await accepted(RS_PORT, { path: '/stream?topic=private.r1', headers: bearer(t2) }, alg);
    }
    await accepted(RS_PORT, { path: `/stream?topic=private.r1&${q(t)}` }, 'RS256 in the query');
  });

  test('key confusion, alg none, another key, another family: 401', async () => {
    const c = claims({ subscribe: ['private.r1'] });
    const cases = {
      'HS256 keyed with the PEM public key': jwt(c, { alg: 'HS256', key: RSA_PEM }),
      'HS256 keyed with the PEM, no final newline': jwt(c, { alg: 'HS256', key: RSA_PEM.trimEnd() }),
      'HS256 keyed with the DER public key': jwt(c, { alg: 'HS256', key: rsa.publicKey.export({ type: 'spki', format: 'der' }) }),
      'HS512 keyed with the PEM public key': jwt(c, { alg: 'HS512', key: RSA_PEM }),
      'alg none': jwt(c, { alg: 'none' }),
      'signed by another RSA key': jwt(c, { alg: 'RS256', key: rsaOther.privateKey }),
      'ES256 token': jwt(c, { alg: 'ES256', key: ec.privateKey }),
      'PS256 signature': (() => { const t = rs(c); return `${b64u(JSON.stringify({ alg: 'PS256', typ: 'JWT' }))}.${t.split('.')[1]}.${t.split('.')[2]}`; })(),
      expired: rs(claims({ subscribe: ['private.r1'], exp: now() - 10 })),
    };
    for (const t of Object.values(cases)) minted['jwt-rs'].push(t);
    for (const [what, t] of Object.entries(cases)) {
      await refused(RS_PORT, 401, { path: '/stream?topic=private.r1', headers: bearer(t) }, what);
      await refused(RS_PORT, 401, { path: '/stream?topic=public', headers: cookie(t) }, `${what} (cookie, public)`);
    }
    const r = await publish(RS_PORT, { topic: 'private.r1', data: `confused-${run}` }, bearer(jwt(claims({ publish: ['*'] }), { alg: 'HS256', key: RSA_PEM })));
    assert.equal(r.status, 401, 'key confusion on /publish');
    assert.equal(countData(`confused-${run}`), 0);
  });

  test('no token in the log', () => {
    const log = fs.readFileSync(logOf('jwt-rs'), 'utf8');
    assert.ok(log.length > 0);
    noTokenIn('jwt-rs', minted['jwt-rs'], log, 'the log');
  });
});

// ---------------------------------------------------------------- ES256

describe('ES256 (SSEHUB_JWT_KEY, a P-256 public key)', () => {
  const es = keyedServer('jwt-es', ES_PORT, EC_FILE, 'ES256', ec.privateKey);

  test('ES256 (R||S) accepted on /stream and /publish', async () => {
    const t = es(claims({ subscribe: ['private.e1'] }));
    assert.equal(Buffer.from(t.split('.')[2], 'base64url').length, 64);
    const s = await open(new Stream(ES_PORT, { path: '/stream?topic=private.e1', headers: cookie(t) }));
    const r = await publish(ES_PORT, { topic: 'private.e1', data: `es-${run}` }, bearer(es(claims({ publish: ['private.*'] }))));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await s.until((x) => x.events.length === 1, 3000, 'event');
    assert.equal(Number(s.events[0].id), r.json.id);
    s.close();
  });

  test('DER signatures, another curve key, key confusion, alg none: 401', async () => {
    const c = claims({ subscribe: ['private.e1'] });
    const cases = {
      'ES256 with an ASN.1 DER signature': jwt(c, { alg: 'ES256', key: ec.privateKey, dsaEncoding: 'der' }),
      'signed by another P-256 key': jwt(c, { alg: 'ES256', key: ecOther.privateKey }),
      'HS256 keyed with the PEM public key': jwt(c, { alg: 'HS256', key: EC_PEM }),
      'RS256 token': jwt(c, { alg: 'RS256', key: rsa.privateKey }),
      'alg none': jwt(c, { alg: 'none' }),
      'ES384 header on an ES256 signature': (() => { const t = es(c); return `${b64u(JSON.stringify({ alg: 'ES384', typ: 'JWT' }))}.${t.split('.')[1]}.${t.split('.')[2]}`; })(),
    };
    for (const t of Object.values(cases)) minted['jwt-es'].push(t);
    for (const [what, t] of Object.entries(cases)) {
      await refused(ES_PORT, 401, { path: '/stream?topic=private.e1', headers: bearer(t) }, what);
    }
  });

  test('no token in the log', () => {
    const log = fs.readFileSync(logOf('jwt-es'), 'utf8');
    assert.ok(log.length > 0);
    noTokenIn('jwt-es', minted['jwt-es'], log, 'the log');
  });
});

// ------------------------------------------------------ start-up errors

describe('configuration errors stop ssehub at start', () => {
  test('a secret under 32 bytes', async () => {
    const short = 'short-secret-31-bytes-long-xxxxx'.slice(0, 31);
    assert.equal(short.length, 31);
    const log = logOf('jwt-bad');
    fs.rmSync(log, { force: true });
    assert.equal(await startOutcome('jwt-bad', SPARE_PORT, { SSEHUB_JWT_SECRET: short }), 'refused');
    const text = fs.readFileSync(log, 'utf8');
    assert.match(text, /SSEHUB_JWT_SECRET/);
    assert.ok(!text.includes(short), 'the secret itself is in the log');
  });

  test('both a secret and a key', async () => {
    fs.rmSync(logOf('jwt-bad'), { force: true });
    assert.equal(await startOutcome('jwt-bad', SPARE_PORT, { SSEHUB_JWT_SECRET: SECRET, SSEHUB_JWT_KEY: RSA_FILE }), 'refused');
    const text = fs.readFileSync(logOf('jwt-bad'), 'utf8');
    assert.match(text, /SSEHUB_JWT_(SECRET|KEY)/);
    assert.ok(!text.includes(SECRET), 'the secret is in the log');
  });

  test('a key file that is no PEM public key', async () => {
    const bad = path.join(DIR, 'not-a-key.pem');
    fs.writeFileSync(bad, 'hello\n');
    fs.rmSync(logOf('jwt-bad'), { force: true });
    assert.equal(await startOutcome('jwt-bad', SPARE_PORT, { SSEHUB_JWT_KEY: bad }), 'refused');
    assert.match(fs.readFileSync(logOf('jwt-bad'), 'utf8'), /SSEHUB_JWT_KEY/);
  });

  test('control: a good secret starts', async () => {
    assert.equal(await startOutcome('jwt-bad', SPARE_PORT, { SSEHUB_JWT_SECRET: SECRET }), 'started');
  });
});

// ------------------------------------------------------------ two nodes

describe('revocation across two nodes on one database', () => {
  const env = { SSEHUB_JWT_SECRET: SECRET, SSEHUB_ACL: ACL, SSEHUB_JWT_LEEWAY: String(LEEWAY) };
  before(() => {
    startServer('jwt-n1', N1_PORT, N1_PORT + 1, env);
    startServer('jwt-n2', N2_PORT, N2_PORT + 1, env);
  });
  after(() => {
    stopServer('jwt-n1');
    stopServer('jwt-n2');
  });

  for (const how of ['jti', 'sub']) {
    test(`revoke_${how === 'jti' ? 'token' : 'subject'} in SQL: the token's streams on both nodes end within 2 s`, async () => {
      const sub = `n-${run}-${how}`;
      const jti = `nj-${run}-${how}`;
      const t = jwt(claims({ sub, jti, iat: now() - 2, subscribe: ['private.n'] }), { key: SECRET });
      const other = jwt(claims({ sub: `${sub}-other`, subscribe: ['private.n'] }), { key: SECRET });
      minted['jwt-n1'].push(t, other);
      minted['jwt-n2'].push(t, other);
      // Six streams per node (both workers, most likely), two sources.
      const streams = { n1: [], n2: [] };
      for (const [node, port] of [['n1', N1_PORT], ['n2', N2_PORT]]) {
        for (let i = 0; i < 6; i++) {
          const headers = i % 2 ? bearer(t) : { Cookie: `ssehub_token=${t}` };
          streams[node].push(await open(new Stream(port, { path: i < 3 ? '/stream?topic=private.n' : '/stream', headers })));
        }
      }
      const keep = [await open(new Stream(N1_PORT, { path: '/stream?topic=private.n', headers: bearer(other) })),
        await open(new Stream(N2_PORT, { path: '/stream?topic=private.n', headers: bearer(other) }))];
      // Live on both first (published on n1, seen on n2 too).
      const r = await publish(N1_PORT, { topic: 'private.n', data: 'before' });
      for (const s of [...streams.n1, ...streams.n2]) await s.until((x) => x.ids().includes(r.json.id), 3000, 'live before');
      const ends = Object.fromEntries(Object.entries(streams).map(([k, ss]) => [k, ss.map(closeTime)]));
      const t0 = Date.now();
      await psqlScript(how === 'jti' ? `SELECT ssehub.revoke_token(jti => '${jti}');` : `SELECT ssehub.revoke_subject(sub => '${sub}');`);
      for (const s of [...streams.n1, ...streams.n2]) await s.until((x) => x.closed, 5000, 'revoked stream ends');
      const took = {};
      for (const node of ['n1', 'n2']) took[node] = Math.max(...await Promise.all(ends[node])) - t0;
      console.log(`# revoke by ${how}: last stream ended ${took.n1} ms (node 1), ${took.n2} ms (node 2) after the SQL call`);
      assert.ok(took.n1 <= 2000, `node 1: ${took.n1} ms`);
      assert.ok(took.n2 <= 2000, `node 2: ${took.n2} ms`);
      for (const s of [...streams.n1, ...streams.n2]) assert.match(s.raw, /: token revoked\r?\n/);
      for (const s of keep) {
        assert.equal(s.closed, false, 'another token stays');
        s.close();
      }
      for (const port of [N1_PORT, N2_PORT]) {
        const e = await refused(port, 401, { path: '/stream?topic=private.n', headers: bearer(t) }, `revoked on ${port}`);
        assert.match(e, /revoked/);
      }
    });
  }

  test('a revocation made after the newest row was purged still reaches both nodes', async () => {
    const jti = `pj-${run}`;
    const t = jwt(claims({ jti, subscribe: ['private.n'] }), { key: SECRET });
    minted['jwt-n1'].push(t);
    minted['jwt-n2'].push(t);
    const streams = [await open(new Stream(N1_PORT, { path: '/stream?topic=private.n', headers: bearer(t) })),
      await open(new Stream(N2_PORT, { path: '/stream?topic=private.n', headers: bearer(t) }))];
    // The newest revocation is a short one: both nodes read it, it runs
    // out, and the purge (worker 1 runs it every minute) removes it.
    psql(`SELECT ssehub.revoke_token(jti => 'short-${run}', until => now() + interval '1 second')`);
    await sleep(2500);
    psql('SELECT ssehub.purge_keys(1000)');
    assert.equal(psql(`SELECT count(*) FROM ssehub.revoked WHERE jti = 'short-${run}'`), '0');
    const ends = streams.map(closeTime);
    const t0 = Date.now();
    await psqlScript(`SELECT ssehub.revoke_token(jti => '${jti}');`);
    for (const s of streams) await s.until((x) => x.closed, 4000, 'revoked after a purge: stream ends');
    const took = Math.max(...await Promise.all(ends)) - t0;
    console.log(`# revoke after a purge: streams ended ${took} ms after the SQL call`);
    assert.ok(took <= 2000, `${took} ms`);
  });

  test('a revocation for ever is refused by SQL and stops nothing', async () => {
    assert.throws(() => psql(`SELECT ssehub.revoke_subject(sub => 'inf-${run}', until => 'infinity')`), /revoked_until_finite/);
    const jti = `after-inf-${run}`;
    const t = jwt(claims({ jti, subscribe: ['private.n'] }), { key: SECRET });
    minted['jwt-n1'].push(t);
    minted['jwt-n2'].push(t);
    const streams = [await open(new Stream(N1_PORT, { path: '/stream?topic=private.n', headers: bearer(t) })),
      await open(new Stream(N2_PORT, { path: '/stream?topic=private.n', headers: bearer(t) }))];
    await psqlScript(`SELECT ssehub.revoke_token(jti => '${jti}');`);
    for (const s of streams) await s.until((x) => x.closed, 4000, 'revoked after a refused one: stream ends');
  });

  test('no token in either log', () => {
    for (const n of ['jwt-n1', 'jwt-n2']) noTokenIn(n, minted[n], fs.readFileSync(logOf(n), 'utf8'), `${n} log`);
  });
});
