import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { Rs256SigningKey } from '../../src/infra/rs256-sign.js';

describe('Rs256SigningKey', () => {
  it('signs compact JWTs that jose verifies with the public key, carrying the claims as given', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const key = new Rs256SigningKey('kid-1', await exportJWK(privateKey));
    const claims = { sub: 'abc', scope: 'openid email', exp: Math.floor(Date.now() / 1000) + 60, nested: { ü: ['ß', 1] }, skipped: undefined };
    const token = await key.sign(claims);

    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: ['RS256'] });
    assert.deepEqual(protectedHeader, { kid: 'kid-1', alg: 'RS256' });
    assert.deepEqual(payload, { sub: 'abc', scope: 'openid email', exp: claims.exp, nested: { ü: ['ß', 1] } });
  });

  it('produces the same token jose would for the same header and claims (RS256 is deterministic)', async () => {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const claims = { sub: 'abc', iat: 1, exp: 2, jti: 'j' };
    const ours = await new Rs256SigningKey('k', await exportJWK(privateKey)).sign(claims);
    const joses = await new SignJWT(claims).setProtectedHeader({ kid: 'k', alg: 'RS256' }).sign(privateKey);
    assert.equal(ours, joses);
  });

  it('does not verify under another key', async () => {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const other = await generateKeyPair('RS256', { modulusLength: 2048 });
    const token = await new Rs256SigningKey('k', await exportJWK(privateKey)).sign({ sub: 'x' });
    assert.equal(decodeProtectedHeader(token).kid, 'k');
    await assert.rejects(jwtVerify(token, other.publicKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('refuses RSA keys under 2048 bits and keys that are not RSA', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    assert.throws(() => new Rs256SigningKey('k', small), /at least 2048 bits/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    assert.throws(() => new Rs256SigningKey('k', ec), /at least 2048 bits/);
  });
});
