// JSON Web Tokens made with Node's own crypto, for the tests of issue 13:
// an implementation independent of the server's (libjwt), so a test that
// passes shows the two agree on the format, not that one library agrees
// with itself.
//
//   jwt(claims, { alg: 'HS256', key: secret })
//   jwt(claims, { alg: 'RS256', key: rsaPrivateKey })
//   jwt(claims, { alg: 'ES256', key: ecPrivateKey })   R||S, as JOSE says
//   jwt(claims, { alg: 'none' })                        empty signature

import { createHmac, sign } from 'node:crypto';

export const b64u = (b) => Buffer.from(b).toString('base64url');
export const now = () => Math.floor(Date.now() / 1000);

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

// The signature of input (a string) under alg with key.
export function signature(alg, key, input, { dsaEncoding = 'ieee-p1363' } = {}) {
  const data = Buffer.from(input);
  const hash = HASH[alg.slice(2)];
  if (alg === 'none') return Buffer.alloc(0);
  if (alg.startsWith('HS')) return createHmac(hash, key).update(data).digest();
  if (alg.startsWith('RS')) return sign(hash, data, key);
  if (alg.startsWith('ES')) return sign(hash, data, { key, dsaEncoding });
  throw new Error(`alg ${alg}?`);
}

// header: extra JOSE header fields; dsaEncoding: 'der' makes an ES
// signature in the ASN.1 form JOSE does not allow.
export function jwt(claims, { alg = 'HS256', key, header = {}, dsaEncoding } = {}) {
  const input = `${b64u(JSON.stringify({ alg, typ: 'JWT', ...header }))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${b64u(signature(alg, key, input, { dsaEncoding }))}`;
}

// Signs an arbitrary "header.payload" text as it stands (for malformed
// segments under a valid signature).
export function signRaw(input, { alg = 'HS256', key } = {}) {
  return `${input}.${b64u(signature(alg, key, input))}`;
}

// Claims of a subscriber/publisher: ssehub patterns plus registered claims.
export function claims({ subscribe, publish, ttl = 60, ...rest } = {}) {
  const c = { iat: now(), exp: now() + ttl, ...rest };
  if (subscribe || publish) {
    c.ssehub = {};
    if (subscribe) c.ssehub.subscribe = subscribe;
    if (publish) c.ssehub.publish = publish;
  }
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c;
}
