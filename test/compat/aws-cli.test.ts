import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Debian's awscli package; .ci/run installs it. Not the pyenv shim some images put first on PATH. */
const AWS = '/usr/bin/aws';

describe('the AWS CLI (aws cognito-idp --endpoint-url …)', () => {
  let t: TestServer;
  before(async () => {
    if (!existsSync(AWS)) throw new Error(`${AWS} is missing: install Debian's awscli package (apt-get install awscli)`);
    t = await startTestServer();
  });
  after(async () => t?.close());

  const aws = (args: string[], secret = 'test') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(AWS, ['cognito-idp', ...args, '--endpoint-url', t.url, '--output', 'json'], {
        env: {
          PATH: process.env.PATH, HOME: t.dataDir, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: secret,
          AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        timeout: 60_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });

  it('lists and describes pools, signs a user up and in, and reads the user back', async () => {
    const pools = await aws(['list-user-pools', '--max-results', '10']);
    assert.equal(pools.code, 0, pools.stderr);
    assert.deepEqual((JSON.parse(pools.stdout) as { UserPools: { Id: string }[] }).UserPools.map((p) => p.Id), [t.poolId]);
    const described = await aws(['describe-user-pool', '--user-pool-id', t.poolId]);
    assert.equal(JSON.parse(described.stdout).UserPool.Name, 'OpenPool Example');

    const email = uniqueEmail('cli');
    const before = t.mail.messages.length;
    const signUp = await aws(['sign-up', '--client-id', t.clients.public.id, '--username', email, '--password', STRONG_PASSWORD]);
    assert.equal(signUp.code, 0, signUp.stderr);
    const code = await t.mail.codeFor(email, { after: before });
    assert.equal((await aws(['confirm-sign-up', '--client-id', t.clients.public.id, '--username', email, '--confirmation-code', code])).code, 0);
    const auth = await aws(['initiate-auth', '--client-id', t.clients.public.id, '--auth-flow', 'USER_PASSWORD_AUTH', '--auth-parameters', `USERNAME=${email},PASSWORD=${STRONG_PASSWORD}`]);
    assert.equal(auth.code, 0, auth.stderr);
    const idToken = JSON.parse(auth.stdout).AuthenticationResult.IdToken as string;
    assert.equal(decodeJwt(idToken).email, email);
    const got = await aws(['admin-get-user', '--user-pool-id', t.poolId, '--username', email]);
    assert.equal(JSON.parse(got.stdout).UserStatus, 'CONFIRMED');
  });

  it('reports Cognito\'s errors, including bad signatures', async () => {
    const missing = await aws(['admin-get-user', '--user-pool-id', t.poolId, '--username', 'ghost@example.com']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /UserNotFoundException/);
    const badSecret = await aws(['list-user-pools', '--max-results', '10'], 'wrong-secret');
    assert.notEqual(badSecret.code, 0);
    assert.match(badSecret.stderr, /InvalidSignatureException/);
    const wrongPassword = await aws(['initiate-auth', '--client-id', t.clients.public.id, '--auth-flow', 'USER_PASSWORD_AUTH', '--auth-parameters', 'USERNAME=ghost@example.com,PASSWORD=Nope-1234!']);
    assert.match(wrongPassword.stderr, /NotAuthorizedException/);
  });
});
