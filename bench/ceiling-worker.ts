/**
 * One core's worth of RS256 work for the ceilings: signs (or verifies) tokens shaped like
 * OpenPool's access tokens with an RSA 2048 key the way the server does (signing with
 * Rs256SigningKey, verifying with jose), for a fixed time after the parent says go, and reports
 * how many it finished.
 */
import { exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Rs256SigningKey } from '../src/infra/rs256-sign.js';

interface Job {
  op: 'sign' | 'verify';
  seconds: number;
  /** Operations kept in flight (see rs256PerSecond). */
  inFlight: number;
}

const job = workerData as Job;
const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const signingKey = new Rs256SigningKey('bench', await exportJWK(privateKey));
const claims = () => {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(), iss: 'http://localhost:9229/us-east-1_BenchPool1', client_id: 'benchpublic000000000000001', origin_jti: randomUUID(),
    event_id: randomUUID(), token_use: 'access', scope: 'openid email profile', auth_time: now, iat: now, exp: now + 3600,
    jti: randomUUID(), username: randomUUID(), version: 2,
  };
};
const sign = () => signingKey.sign(claims());
const sample = await sign();

parentPort!.once('message', async () => {
  const deadline = performance.now() + job.seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      if (job.op === 'sign') await sign();
      else await jwtVerify(sample, publicKey, { algorithms: ['RS256'] });
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.inFlight }, loop));
  parentPort!.postMessage({ done, seconds: (performance.now() - started) / 1000 });
});
parentPort!.postMessage('ready');
