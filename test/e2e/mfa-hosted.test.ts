/** MFA on the hosted pages over real sockets: SMS codes from the webhook capture, TOTP from an independent otplib, lockout on a manual clock. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { callbackParams, pkcePair, signInThroughPages, signUpThroughPages, tokenRequest, uniqueEmail } from '../helpers/flows.js';
import { manualClock, startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, formAction, WebClient, type WebResponse } from '../helpers/web-client.js';

const CALLBACK = 'http://localhost:3000/callback';

describe('MFA on the hosted pages', () => {
  const clock = manualClock();
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock });
    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OPTIONAL', softwareTokenEnabled: true, sms: { message: 'Code: {####}' } });
  });
  after(async () => t.close());

  function authorize() {
    const { verifier, challenge } = pkcePair();
    return { verifier, params: { response_type: 'code', client_id: t.clients.public.id, redirect_uri: CALLBACK, scope: 'openid email', code_challenge: challenge, code_challenge_method: 'S256' } };
  }

  async function confirmedUser(prefix: string) {
    const email = uniqueEmail(prefix);
    const done = await signUpThroughPages(t, new WebClient(t.url), authorize().params, email);
    assert.equal(done.status, 302);
    const pool = await t.server.services.pools.get(t.poolId);
    const user = (await t.server.services.users.findBySignInName(pool, email))!;
    return { email, pool, user };
  }

  /** A confirmed user with a verified authenticator app, one time step after its setup code. */
  async function totpUser(prefix: string) {
    const { email, pool, user } = await confirmedUser(prefix);
    const { secret } = await t.server.services.mfa.associate(pool, user);
    await t.server.services.mfa.verify(pool, user, await totpCode(secret));
    clock.advance(30_000);
    return { email, secret };
  }

  const totpCode = (secret: string) => generate({ secret, epoch: Math.floor(clock.now() / 1000) });

  async function submitCode(web: WebClient, page: WebResponse, code: string) {
    return web.post(formAction(page.body, 'mfaForm'), { _csrf: csrfToken(page.body), code });
  }

  async function exchangeAmr(redirect: WebResponse, verifier: string) {
    const code = callbackParams(redirect.location).get('code');
    assert.ok(code, `expected a callback with a code, got ${redirect.status} ${redirect.location ?? redirect.body.slice(0, 200)}`);
    const tokens = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: CALLBACK, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    return decodeJwt(tokens.json.id_token as string).amr;
  }

  it('an SMS user gets a text after the password, types the code on /mfa and is sent back to the app', async () => {
    const { email, pool, user } = await confirmedUser('hosted-sms');
    const phone = '+15550001234';
    await t.server.services.admin.updateUserAttributes(pool, user, { phone_number: phone });
    await t.server.services.mfa.setPreference(pool, (await t.server.services.users.get(pool.id, user.id))!, { sms: { enabled: true, preferred: true } });

    const web = new WebClient(t.url);
    const { params, verifier } = authorize();
    const before = t.sms.messages.length;
    const posted = await signInThroughPages(web, params, email);
    assert.equal(posted.status, 302);
    assert.equal(new URL(posted.location ?? '', t.url).pathname, '/mfa');
    assert.equal(Object.keys(Object.fromEntries(web.cookies)).some((c) => c.startsWith('openpool_session_')), false, 'no session after the password alone');
    const page = await web.follow(posted);
    assert.equal(page.status, 200);
    assert.match(page.body, /text message to \+\*+1234/);
    const wrong = await submitCode(web, page, '000000');
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Invalid verification code/);
    const code = t.sms.codeFor(phone, before);
    assert.equal(t.sms.messages.at(-1)!.message, `Code: ${code}`);
    const done = await submitCode(web, wrong, code);
    assert.deepEqual(await exchangeAmr(done, verifier), ['pwd', 'mfa', 'sms']);
  });

  it('a TOTP user answers with the app\'s code; wrong codes lock the user out for a while, then the lockout ends by itself', async () => {
    const { email, secret } = await totpUser('hosted-totp');

    const web = new WebClient(t.url);
    const { params, verifier } = authorize();
    let page = await web.follow(await signInThroughPages(web, params, email));
    assert.match(page.body, /authenticator app/);
    for (let i = 0; i < 6; i++) {
      page = await submitCode(web, page, '999999');
      assert.equal(page.status, 400);
    }
    const right = await totpCode(secret);
    page = await submitCode(web, page, right);
    assert.equal(page.status, 400, 'locked: even the right code is refused');
    assert.match(page.body, /Too many wrong codes/);
    clock.advance(3000);
    const done = await submitCode(web, page, right);
    assert.deepEqual(await exchangeAmr(done, verifier), ['pwd', 'mfa', 'otp']);
  });

  it('the /mfa page needs a fresh password step: no note or an expired note sends the browser to /login', async () => {
    const { email, secret } = await totpUser('hosted-expiry');
    const { params } = authorize();
    const query = new URLSearchParams(params).toString();
    const stranger = await new WebClient(t.url).get(`/mfa?${query}`);
    assert.equal(stranger.status, 302);
    assert.equal(new URL(stranger.location ?? '', t.url).pathname, '/login');

    const web = new WebClient(t.url);
    const page = await web.follow(await signInThroughPages(web, params, email));
    clock.advance(5 * 60_000 + 1000);
    const late = await submitCode(web, page, await totpCode(secret));
    assert.equal(late.status, 302);
    assert.equal(new URL(late.location ?? '', t.url).pathname, '/login', 'a stale note is no sign-in');
  });
});
