import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, redactUrl } from '../../src/logging/logger.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (chunk: string) => { lines.push(chunk); } });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('logger redaction', () => {
  it('blanks authorization and cookie headers of a logged request and response', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { method: 'POST', url: '/oauth2/token', headers: { authorization: 'Basic c2VjcmV0LWJhc2lj', cookie: 'session=cookie-secret', 'user-agent': 'ua/1' } },
      res: { statusCode: 302, headers: { 'set-cookie': 'session=set-cookie-secret' } },
    }, 'request');
    const text = lines.join('');
    for (const secret of ['c2VjcmV0LWJhc2lj', 'cookie-secret', 'set-cookie-secret']) assert.equal(text.includes(secret), false, secret);
    assert.match(text, /\/oauth2\/token/);
  });

  it('redacts headers under the configured paths even without the request serializer', () => {
    const { logger, records } = capture();
    logger.info({ res: { headers: { 'set-cookie': 'sid=abc123' } } }, 'response');
    const res = records()[0]!.res as { headers: Record<string, unknown> };
    assert.equal(res.headers['set-cookie'], '[Redacted]');
  });

  it('blanks password, code, secret and token fields at the top level and one level down', () => {
    const { logger, lines, records } = capture();
    logger.info({
      username: 'alice', password: 'hunter2-top', code: '246810', token: 'tok-top', refreshToken: 'rt-top',
      body: { password: 'hunter2-nested', newPassword: 'np-nested', ConfirmationCode: '135791', client_secret: 'cs-nested', idToken: 'idt', accessToken: 'at' },
    }, 'sign-in');
    const text = lines.join('');
    for (const secret of ['hunter2-top', '246810', 'tok-top', 'rt-top', 'hunter2-nested', 'np-nested', '135791', 'cs-nested', 'idt', '"at"']) {
      assert.equal(text.includes(secret), false, secret);
    }
    const record = records()[0]!;
    assert.equal(record.username, 'alice');
    assert.equal(record.password, '[Redacted]');
    assert.equal((record.body as Record<string, unknown>).password, '[Redacted]');
    assert.equal(record.msg, 'sign-in');
  });

  it('redacts the URL of a serialized request', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: '/oauth2/authorize?client_id=web&code=abc123code&state=st4te-value', headers: {} } }, 'in');
    const text = lines.join('');
    assert.equal(text.includes('abc123code'), false);
    assert.equal(text.includes('st4te-value'), false);
    assert.match(text, /client_id=web/);
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    assert.equal(lines.length, 1);
  });
});

describe('redactUrl', () => {
  it('blanks code, state and token values and keeps the other parameters', () => {
    const url = redactUrl('/callback?client_id=web&code=c0de&state=s7ate&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&token=t0ken&scope=openid+email');
    const [path, query] = url.split('?');
    assert.equal(path, '/callback');
    const params = new URLSearchParams(query);
    assert.equal(params.get('code'), '[Redacted]');
    assert.equal(params.get('state'), '[Redacted]');
    assert.equal(params.get('token'), '[Redacted]');
    assert.equal(params.get('client_id'), 'web');
    assert.equal(params.get('redirect_uri'), 'https://app.example.com/cb');
    assert.equal(params.get('scope'), 'openid email');
    for (const secret of ['c0de', 's7ate', 't0ken']) assert.equal(url.includes(secret), false, secret);
  });

  it('also blanks the other secret-bearing parameters, whatever their case', () => {
    const url = redactUrl('/x?CODE=a1&access_token=a2&id_token=a3&refresh_token=a4&client_secret=a5&code_verifier=a6&nonce=a7&password=a8&keep=yes');
    for (let i = 1; i <= 8; i++) assert.equal(url.includes(`a${i}`), false, `a${i}`);
    assert.equal(new URLSearchParams(url.split('?')[1]).get('keep'), 'yes');
  });

  it('leaves a URL without a query alone', () => {
    assert.equal(redactUrl('/oauth2/token'), '/oauth2/token');
  });
});
