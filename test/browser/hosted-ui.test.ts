/**
 * The hosted sign-in pages in a real browser: Debian's headless Chromium driven by playwright-core,
 * against the real server (real port, real SQLite file, real SMTP capture). Covers what the
 * form-posting WebClient cannot: links actually clicked, forms actually submitted by the browser,
 * cookies kept by the browser, redirects to the app followed by the browser, CSP enforced by it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import jsQRModule from 'jsqr';
import { generate } from 'otplib';
import { PNG } from 'pngjs';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { authorizeUrl, pkcePair, signUpThroughPages, STRONG_PASSWORD, tokenRequest, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

const CHROMIUM = '/usr/bin/chromium';
const CALLBACK = 'http://localhost:3000/callback';
const ACTION_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 120_000;
/** dist/test/browser/ → the repository's test-results/ (gitignored). */
const RESULTS_DIR = fileURLToPath(new URL('../../../test-results/', import.meta.url));

interface Watched {
  page: Page;
  /** Console errors, uncaught page errors, CSP violations and failed requests, as text. */
  problems: string[];
  /**
   * Chromium's console error for a page that came with status 400: the hosted pages re-render a
   * refused form (wrong password, weak password) with 400, and Chromium logs that for the document.
   */
  refusedDocuments: string[];
  /** Every request the browser made to the app's callback. */
  callbacks: string[];
}

describe('hosted pages in headless Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) to run the browser tests`);
    }
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 60_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    } catch (error) {
      throw new Error(`could not launch Chromium at ${CHROMIUM}: ${(error as Error).message}`);
    }
    t = await startTestServer();
    mkdirSync(RESULTS_DIR, { recursive: true });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  /** A fresh browser context (its own cookie jar) whose pages report console errors and CSP violations. */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ baseURL: t.url });
    contexts.push(context);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    // Playwright's init scripts are not subject to the page's CSP; violations are reported on the console.
    // (A string, as this project compiles without the DOM library.)
    await context.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) => {
        console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' on ' + e.documentURI);
      });`,
    });
    return context;
  }

  async function newPage(context: BrowserContext): Promise<Watched> {
    const page = await context.newPage();
    const problems: string[] = [];
    const refusedDocuments: string[] = [];
    const callbacks: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      if (/^Failed to load resource: the server responded with a status of 400\b/.test(msg.text()) && msg.location().url === page.url()) {
        refusedDocuments.push(new URL(page.url()).pathname);
      } else {
        problems.push(`console error on ${page.url()}: ${msg.text()} (${msg.location().url})`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? ''}`));

    // Nothing listens on port 3000, so the browser's visit to the app's callback is answered here.
    // Not with page.route(): Playwright never routes a request that comes from a redirect (documented
    // in page.route; microsoft/playwright#2617, #33882), and every visit to the callback is the
    // server's 302. Chrome's own Fetch interception does see redirected requests.
    const cdp = await context.newCDPSession(page);
    cdp.on('Fetch.requestPaused', (event) => {
      if (new URL(event.request.url).pathname === '/callback') callbacks.push(event.request.url);
      void cdp
        .send('Fetch.fulfillRequest', {
          requestId: event.requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'content-type', value: 'text/html' }],
          body: Buffer.from('<p>callback</p>').toString('base64'),
        })
        .catch(() => undefined); // the page may have gone away
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: 'http://localhost:3000/*', requestStage: 'Request' }] });
    return { page, problems, refusedDocuments, callbacks };
  }

  function authorizeParams(extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkcePair();
    const state = `st-${Math.random().toString(36).slice(2)}`;
    const params = {
      response_type: 'code', client_id: t.clients.public.id, redirect_uri: CALLBACK, scope: 'openid email profile',
      state, code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    };
    return { params, verifier, state, url: t.url + authorizeUrl(params) };
  }

  const pathOf = (page: Page) => new URL(page.url()).pathname;

  async function waitForCallback(page: Page): Promise<URLSearchParams> {
    await page.waitForURL((url) => url.toString().startsWith(`${CALLBACK}?`));
    const url = new URL(page.url());
    assert.equal(`${url.origin}${url.pathname}`, CALLBACK);
    assert.equal(await page.locator('p').textContent(), 'callback', 'the intercepted callback page is shown');
    return url.searchParams;
  }

  async function exchange(code: string, verifier: string) {
    return tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: CALLBACK, code_verifier: verifier });
  }

  /** Sets up a confirmed user through the hosted pages without the browser (the browser's own sign-up is test 1). */
  async function confirmedUser(prefix: string, password = STRONG_PASSWORD): Promise<string> {
    const email = uniqueEmail(prefix);
    const done = await signUpThroughPages(t, new WebClient(t.url), authorizeParams().params, email, password);
    assert.equal(done.status, 302, `setup sign-up for ${email} failed: ${done.body.slice(0, 300)}`);
    return email;
  }

  async function signInOnLoginPage(page: Page, email: string, password: string) {
    await page.locator('#signInFormUsername').fill(email);
    await page.locator('#signInFormPassword').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs up (weak password refused first), confirms with the emailed code and ends at the callback with a code that exchanges', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, problems, refusedDocuments, callbacks } = await newPage(await newContext());
    const email = uniqueEmail('browser-signup');
    const { url, state, verifier } = authorizeParams();

    await page.goto(url);
    assert.equal(pathOf(page), '/login', `authorize should land on the hosted login page, got ${page.url()}`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in');

    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL((u) => u.pathname === '/signup');
    assert.equal(new URL(page.url()).searchParams.get('state'), state, 'the sign-up page carries the authorization request');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign up');
    await page.screenshot({ path: `${RESULTS_DIR}signup.png`, fullPage: true });

    // A weak password: lowercase and a number, but no uppercase letter and no symbol.
    await page.locator('#signUpUsername').fill(email);
    await page.locator('#signUpPassword').fill('weakpass1');
    await page.getByRole('button', { name: 'Sign up' }).click();
    const error = page.locator('#errorMessage');
    await error.waitFor();
    assert.equal(pathOf(page), '/signup', 'a refused sign-up stays on the sign-up page');
    const errorText = (await error.textContent()) ?? '';
    assert.match(errorText, /does not meet the requirements/);
    const missing = (await error.locator('li').allTextContents()).join(' | ');
    assert.match(missing, /uppercase/i, `the page should say an uppercase letter is missing: ${missing}`);
    assert.match(missing, /symbol/i, `the page should say a symbol is missing: ${missing}`);
    assert.doesNotMatch(missing, /lowercase|numeric|long enough/i, `only what is missing is listed: ${missing}`);
    assert.equal(await page.locator('#signUpUsername').inputValue(), email, 'the email is kept after a refused sign-up');
    assert.equal(await page.locator('#signUpPassword').inputValue(), '', 'the password is not echoed back');
    await page.screenshot({ path: `${RESULTS_DIR}signup-weak-password.png`, fullPage: true });

    const before = t.mail.messages.length;
    await page.locator('#signUpPassword').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL((u) => u.pathname === '/confirmUser');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Confirm your account');
    assert.match((await page.locator('.notice').textContent()) ?? '', /sent you a verification code/);

    const code = await t.mail.codeFor(email, { after: before });
    await page.locator('#verification_code').fill(code);
    await page.getByRole('button', { name: 'Confirm account' }).click();
    const cb = await waitForCallback(page);
    assert.equal(cb.get('state'), state);
    assert.equal(cb.get('error'), null);
    const authCode = cb.get('code');
    assert.ok(authCode, `no code on the callback: ${page.url()}`);

    const tokens = await exchange(authCode, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    const idToken = decodeJwt(tokens.json.id_token as string);
    assert.equal(idToken.email, email);
    assert.equal(idToken.aud, t.clients.public.id);
    assert.equal(idToken.iss, t.issuer);

    assert.deepEqual(problems, []);
    assert.deepEqual(refusedDocuments, ['/signup'], 'only the weak password was refused');
    assert.equal(callbacks.length, 1, callbacks.join(', '));
  });

  it('signs in in a new context: wrong password refused, right password → callback; then SSO without a form, and prompt=login shows it again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const email = await confirmedUser('browser-signin');
    const context = await newContext();
    const { page, problems, refusedDocuments, callbacks } = await newPage(context);
    const first = authorizeParams();

    await page.goto(first.url);
    assert.equal(pathOf(page), '/login');
    await signInOnLoginPage(page, email, 'Wrong-Password-1!');
    const error = page.locator('#errorMessage');
    await error.waitFor();
    assert.equal((await error.textContent())?.trim(), 'Incorrect username or password.');
    assert.equal(pathOf(page), '/login', 'a wrong password stays on the login page');
    assert.equal(await page.locator('#signInFormUsername').inputValue(), email, 'the username is kept');
    assert.equal(await page.locator('#signInFormPassword').inputValue(), '', 'the password is not echoed back');
    assert.equal((await context.cookies(t.url)).some((c) => c.name === `openpool_session_${t.poolId}`), false, 'no session after a wrong password');

    await signInOnLoginPage(page, email, STRONG_PASSWORD);
    const cb1 = await waitForCallback(page);
    assert.equal(cb1.get('state'), first.state);
    const code1 = cb1.get('code');
    assert.ok(code1);
    const tokens1 = await exchange(code1, first.verifier);
    assert.equal(tokens1.status, 200, JSON.stringify(tokens1.json));
    assert.equal(decodeJwt(tokens1.json.id_token as string).email, email);

    // SSO: the session cookie answers the next authorize straight away, no form shown.
    const second = authorizeParams();
    const seen: string[] = [];
    const onNav = (frame: Frame) => {
      if (!frame.parentFrame()) seen.push(frame.url());
    };
    page.on('framenavigated', onNav);
    await page.goto(second.url);
    page.off('framenavigated', onNav);
    const cb2 = await waitForCallback(page);
    assert.equal(cb2.get('state'), second.state);
    const code2 = cb2.get('code');
    assert.ok(code2);
    assert.notEqual(code2, code1);
    assert.equal(seen.some((u) => u.startsWith(t.url)), false, `no hosted page was shown on the way: ${seen.join(', ')}`);
    assert.equal((await exchange(code2, second.verifier)).status, 200);

    // prompt=login: the form again, even with a session.
    const third = authorizeParams({ prompt: 'login' });
    await page.goto(third.url);
    assert.equal(pathOf(page), '/login', `prompt=login should show the login page, got ${page.url()}`);
    await page.locator('#signInFormPassword').waitFor();
    await signInOnLoginPage(page, email, STRONG_PASSWORD);
    const cb3 = await waitForCallback(page);
    assert.equal(cb3.get('state'), third.state);
    assert.ok(cb3.get('code'));

    assert.deepEqual(problems, []);
    assert.deepEqual(refusedDocuments, ['/login'], 'only the wrong password was refused');
    assert.equal(callbacks.length, 3, callbacks.join(', '));
  });

  it('resets a forgotten password with the emailed code, shows the notice on the login page, and signs in with the new password', { timeout: TEST_TIMEOUT_MS }, async () => {
    const email = await confirmedUser('browser-forgot');
    const newPassword = 'Brand-New-Pass-42!';
    const { page, problems, refusedDocuments, callbacks } = await newPage(await newContext());
    const { url, state, verifier } = authorizeParams();

    await page.goto(url);
    assert.equal(pathOf(page), '/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((u) => u.pathname === '/forgotPassword');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Forgot your password?');

    const before = t.mail.messages.length;
    await page.locator('#forgotUsername').fill(email);
    await page.getByRole('button', { name: 'Reset my password' }).click();
    await page.waitForURL((u) => u.pathname === '/confirmForgotPassword');
    assert.equal(new URL(page.url()).searchParams.get('username'), email);
    assert.equal(new URL(page.url()).searchParams.get('state'), state, 'the reset pages carry the authorization request');

    const code = await t.mail.codeFor(email, { after: before });
    await page.locator('#forgot_password_code').fill(code);
    await page.locator('#new_password').fill(newPassword);
    await page.locator('#confirm_password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('notice'), 'password_reset');
    assert.equal((await page.locator('.notice').textContent())?.trim(), 'Your password has been changed. Sign in with your new password.');

    // The old password no longer works; the new one does.
    await signInOnLoginPage(page, email, STRONG_PASSWORD);
    await page.locator('#errorMessage').waitFor();
    assert.equal((await page.locator('#errorMessage').textContent())?.trim(), 'Incorrect username or password.');
    await signInOnLoginPage(page, email, newPassword);
    const cb = await waitForCallback(page);
    assert.equal(cb.get('state'), state);
    const authCode = cb.get('code');
    assert.ok(authCode);
    const tokens = await exchange(authCode, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    assert.equal(decodeJwt(tokens.json.id_token as string).email, email);

    assert.deepEqual(problems, []);
    assert.deepEqual(refusedDocuments, ['/login'], 'only the old password was refused');
    assert.equal(callbacks.length, 1, callbacks.join(', '));
  });

  it('serves the pages without console errors or CSP violations, with anti-framing headers and an HttpOnly SameSite=Lax session cookie', { timeout: TEST_TIMEOUT_MS }, async () => {
    const email = await confirmedUser('browser-headers');
    const context = await newContext();
    const { page, problems, refusedDocuments, callbacks } = await newPage(context);
    const { url } = authorizeParams();
    const stylesheets: { url: string; status: number; type: string }[] = [];
    page.on('response', (res) => {
      if (res.request().resourceType() === 'stylesheet') stylesheets.push({ url: res.url(), status: res.status(), type: res.headers()['content-type'] ?? '' });
    });

    const login = await page.goto(url);
    assert.ok(login);
    assert.equal(pathOf(page), '/login');
    assert.equal(new URL(login.url()).pathname, '/login', 'page.goto answers with the final (login) response');
    assert.equal(login.status(), 200);
    const headers = login.headers();
    assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.match(headers['content-type'] ?? '', /^text\/html/);
    await page.screenshot({ path: `${RESULTS_DIR}login.png`, fullPage: true });

    // The stylesheet loaded and applied (the CSP allows 'self').
    assert.deepEqual(stylesheets.map((s) => [new URL(s.url).pathname, s.status]), [['/static/openpool.css', 200]]);
    assert.match(stylesheets[0]!.type, /text\/css/);
    const buttonBackground = await page.getByRole('button', { name: 'Sign in' }).evaluate((b) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor);
    assert.equal(buttonBackground, 'rgb(36, 89, 214)', 'openpool.css styles the button');
    assert.equal(await page.locator('script').count(), 0, 'the pages need no script');

    // The CSP watcher works: an image from another origin is refused, and that is reported.
    const violation = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('CSP violation: img-src') });
    await page.evaluate(`(() => { const img = document.createElement('img'); img.src = 'http://localhost:3000/probe.png'; document.body.append(img); })()`);
    await violation;
    const probe = problems.filter((p) => p.includes('probe.png'));
    assert.ok(probe.some((p) => p.includes('CSP violation: img-src blocked http://localhost:3000/probe.png')), `the probe's violation should be collected: ${problems.join('; ')}`);
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('probe.png')));
    await page.reload(); // a clean page again

    // Visit every page reachable from the login page.
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL((u) => u.pathname === '/signup');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((u) => u.pathname === '/forgotPassword');
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/login');

    assert.equal((await context.cookies(t.url)).some((c) => c.name === `openpool_session_${t.poolId}`), false, 'no session before signing in');
    await signInOnLoginPage(page, email, STRONG_PASSWORD);
    await waitForCallback(page);

    const cookies = await context.cookies(t.url);
    const session = cookies.find((c) => c.name === `openpool_session_${t.poolId}`);
    assert.ok(session, `no session cookie; have ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.path, '/');
    assert.ok(session.expires > Date.now() / 1000, 'a persistent session cookie');
    for (const c of cookies) assert.equal(c.httpOnly, true, `cookie ${c.name} should be HttpOnly`);

    assert.deepEqual(problems, []);
    assert.deepEqual(refusedDocuments, [], 'nothing was refused');
    assert.equal(callbacks.length, 1, callbacks.join(', '));
  });

  // jsqr is CommonJS typed as an ES default export: at run time the function is the module itself.
  const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

  /** Reads a QR code the way a phone would: from the pixels Chromium rendered. */
  async function scanQr(page: Page, selector: string): Promise<string> {
    const png = PNG.sync.read(await page.locator(selector).screenshot());
    const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.ok(found, 'the QR code on the page could not be read');
    return found.data;
  }

  const totp = (secret: string, offsetMs = 0) => generate({ secret, epoch: Math.floor((Date.now() + offsetMs) / 1000) });

  it('MFA ON: sets up an authenticator app from the QR code it shows, then asks for the app\'s code at the next sign-in', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pool = await t.server.services.pools.get(t.poolId);
    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'ON', softwareTokenEnabled: true, sms: null });
    try {
      const email = await confirmedUser('browser-mfa');
      const { page, problems, refusedDocuments, callbacks } = await newPage(await newContext());
      const first = authorizeParams();
      await page.goto(first.url);
      await signInOnLoginPage(page, email, STRONG_PASSWORD);
      await page.waitForURL((u) => u.pathname === '/mfaSetup');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Set up an authenticator app');
      assert.equal(new URL(page.url()).searchParams.get('state'), first.state, 'the setup page carries the authorization request');
      await page.screenshot({ path: `${RESULTS_DIR}mfa-setup.png`, fullPage: true });

      const uri = new URL(await scanQr(page, '#mfaQrCode'));
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.host, 'totp');
      assert.equal(uri.searchParams.get('issuer'), pool.name, 'the pool name is the issuer the app shows');
      assert.equal(decodeURIComponent(uri.pathname), `/${pool.name}:${email}`);
      const secret = uri.searchParams.get('secret')!;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.equal((await page.locator('#mfaSecretKey').textContent())?.replace(/\s/g, ''), secret, 'the key to type by hand is the same secret');

      await page.locator('#mfaCode').fill('000000');
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      await page.locator('#errorMessage').waitFor();
      assert.equal(pathOf(page), '/mfaSetup');
      assert.match((await page.locator('#errorMessage').textContent()) ?? '', /does not match/);
      assert.equal((await page.locator('#mfaSecretKey').textContent())?.replace(/\s/g, ''), secret, 'a wrong code keeps the same secret on screen');

      await page.locator('#mfaCode').fill(await totp(secret));
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      const cb = await waitForCallback(page);
      assert.equal(cb.get('state'), first.state);
      const tokens = await exchange(cb.get('code')!, first.verifier);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
      assert.deepEqual(decodeJwt(tokens.json.id_token as string).amr, ['pwd', 'mfa', 'otp']);

      // A new browser: the password, then the app's code (the next step's; the setup code was used).
      const second = await newPage(await newContext());
      const again = authorizeParams();
      await second.page.goto(again.url);
      await signInOnLoginPage(second.page, email, STRONG_PASSWORD);
      await second.page.waitForURL((u) => u.pathname === '/mfa');
      assert.match((await second.page.locator('form').textContent()) ?? '', /authenticator app/);
      await second.page.screenshot({ path: `${RESULTS_DIR}mfa.png`, fullPage: true });
      await second.page.locator('#mfaCode').fill('123456');
      await second.page.getByRole('button', { name: 'Sign in' }).click();
      await second.page.locator('#errorMessage').waitFor();
      assert.equal(pathOf(second.page), '/mfa');
      await second.page.locator('#mfaCode').fill(await totp(secret, 30_000));
      await second.page.getByRole('button', { name: 'Sign in' }).click();
      const cb2 = await waitForCallback(second.page);
      const tokens2 = await exchange(cb2.get('code')!, again.verifier);
      assert.deepEqual(decodeJwt(tokens2.json.id_token as string).amr, ['pwd', 'mfa', 'otp']);

      assert.deepEqual([...problems, ...second.problems], []);
      assert.deepEqual(refusedDocuments, ['/mfaSetup'], 'only the wrong setup code was refused');
      assert.deepEqual(second.refusedDocuments, ['/mfa'], 'only the wrong code was refused');
      assert.equal(callbacks.length + second.callbacks.length, 2);
    } finally {
      await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OFF', softwareTokenEnabled: true, sms: null });
    }
  });
});
