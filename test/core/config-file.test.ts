import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfigFile, toPoolDefinitions } from '../../src/config/load.js';
import { buildConfigPlan, ConfigError, formatPath } from '../../src/core/pools/apply-config.js';
import { applyFile, coreDeps, REGION, STRONG_PASSWORD, type TestDeps } from './fixtures.js';

/** The formatted paths of a ConfigError's issues, sorted. */
function issuePaths(error: unknown): string[] {
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  return error.issues.map((i) => formatPath(i.path)).sort();
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected a ConfigError');
}

const codeClient = (name: string, extra: Record<string, unknown> = {}) => ({
  ClientName: name, CallbackURLs: ['https://app.example.com/cb'], AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'],
  AllowedOAuthFlowsUserPoolClient: true, ...extra,
});

describe('config file: parsing', () => {
  it('an unknown field anywhere is an error naming its JSON path, all of them at once', () => {
    const error = configErrorOf(() => parseConfigFile({
      UserPools: [{ PoolName: 'p', Colour: 'red', Clients: [codeClient('c0'), { ...codeClient('c1'), Bogus: true }], Groups: [{ GroupName: 'g', Extra: 1 }] }],
    }));
    assert.deepEqual(issuePaths(error), ['UserPools[0].Clients[1].Bogus', 'UserPools[0].Colour', 'UserPools[0].Groups[0].Extra']);
    assert.match(error.message, /UserPools\[0\]\.Clients\[1\]\.Bogus/);
  });

  it('several invalid values are reported together with their paths', () => {
    const error = configErrorOf(() => parseConfigFile({
      UserPools: [{
        Policies: { PasswordPolicy: { MinimumLength: 5 } },
        Clients: [codeClient('ok'), { ...codeClient('bad'), AllowedOAuthFlows: ['password'] }],
      }],
    }));
    const paths = issuePaths(error);
    for (const p of ['UserPools[0].PoolName', 'UserPools[0].Policies.PasswordPolicy.MinimumLength', 'UserPools[0].Clients[1].AllowedOAuthFlows[0]']) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    }
    assert.throws(() => parseConfigFile({ UserPools: [] }), ConfigError);
    assert.throws(() => parseConfigFile('not an object'), ConfigError);
  });

  it('toPoolDefinitions keeps each item\'s JSON path', () => {
    const defs = toPoolDefinitions(parseConfigFile({
      UserPools: [{ PoolName: 'a' }, { PoolName: 'b', Clients: [codeClient('x'), codeClient('y')], Users: [{ Username: 'u', Password: STRONG_PASSWORD }] }],
    }));
    assert.deepEqual(defs[1]!.path, ['UserPools', 1]);
    assert.deepEqual(defs[1]!.clients[1]!.path, ['UserPools', 1, 'Clients', 1]);
    assert.deepEqual(defs[1]!.users[0]!.path, ['UserPools', 1, 'Users', 0]);
  });
});

describe('config file: planning', () => {
  let deps: TestDeps;
  before(async () => { deps = await coreDeps(); });
  after(() => deps.storage.close());

  it('reports every bad field at once, with its path, and writes nothing', async () => {
    const file = {
      UserPools: [{
        PoolName: 'bad',
        ResourceServers: [{ Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }],
        Groups: [{ GroupName: 'admins' }],
        Clients: [
          codeClient('c0', { AllowedOAuthScopes: ['openid', 'api/undefined'] }),
          codeClient('c1', { CallbackURLs: ['http://app.example.com/cb', 'http://localhost:8080/cb', 'http://127.0.0.1/cb'] }),
          { ClientName: 'c2', GenerateSecret: true, CallbackURLs: ['https://app.example.com/cb'], AllowedOAuthFlows: ['client_credentials', 'code'], AllowedOAuthScopes: ['api/read'], AllowedOAuthFlowsUserPoolClient: true },
        ],
        Users: [
          { Username: 'weak', Password: 'password' },
          { Username: 'lost', Password: STRONG_PASSWORD, Groups: ['admins', 'ghosts'] },
        ],
      }],
    };
    const defs = toPoolDefinitions(parseConfigFile(file));
    const error = await buildConfigPlan(deps, defs, REGION).then(() => undefined, (e: unknown) => e);
    assert.deepEqual(issuePaths(error), [
      'UserPools[0].Clients[0].AllowedOAuthScopes[1]',
      'UserPools[0].Clients[1].CallbackURLs[0]',
      'UserPools[0].Clients[2].AllowedOAuthFlows',
      'UserPools[0].Users[0].Password',
      'UserPools[0].Users[1].Groups[1]',
    ]);
    const message = (error as ConfigError).message;
    assert.match(message, /Password must have uppercase characters/);
    assert.match(message, /ghosts/);
    assert.match(message, /api\/undefined/);
    assert.deepEqual(await deps.storage.pools.list(), []);
  });

  it('MFA settings: required MFA needs a factor; EnabledMfas and SmsAuthenticationMessage are kept', async () => {
    const bad = toPoolDefinitions(parseConfigFile({ UserPools: [{ PoolName: 'no-factor', MfaConfiguration: 'ON', EnabledMfas: [] }] }));
    assert.deepEqual(issuePaths(await buildConfigPlan(deps, bad, REGION).then(() => undefined, (e: unknown) => e)), ['UserPools[0].EnabledMfas']);
    assert.throws(() => parseConfigFile({ UserPools: [{ PoolName: 'x', SmsAuthenticationMessage: 'no placeholder' }] }), /\{####\}/);
    const good = toPoolDefinitions(parseConfigFile({ UserPools: [{
      PoolName: 'mfa', MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA'], SmsAuthenticationMessage: 'Code {####}',
    }] }));
    const plan = await buildConfigPlan(deps, good, REGION);
    assert.deepEqual(plan.pools[0]!.settings.enabledMfas, ['SOFTWARE_TOKEN_MFA', 'SMS_MFA']);
    assert.equal(plan.pools[0]!.settings.smsAuthenticationMessage, 'Code {####}');
  });

  it('a good file applied twice keeps pool, client and user ids, secrets and passwords', async () => {
    const file = (round: number) => ({
      UserPools: [
        {
          Id: 'us-east-1_Fixed1', PoolName: round === 1 ? 'fixed' : 'fixed renamed', UsernameAttributes: ['email'],
          ResourceServers: [{ Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }],
          Groups: [{ GroupName: 'admins', Precedence: 1 }],
          Clients: [
            codeClient('by-id', { ClientId: 'fixedclient1', CallbackURLs: [`https://app${round}.example.com/cb`] }),
            { ClientName: 'by-name', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['api/read'], AllowedOAuthFlowsUserPoolClient: true },
          ],
          Users: [{ Username: 'admin@example.com', Password: round === 1 ? STRONG_PASSWORD : 'Changed-Passw0rd', Groups: ['admins'] }],
        },
        { PoolName: 'by name', Clients: [codeClient('spa')], Users: [{ Username: 'bob', TemporaryPassword: STRONG_PASSWORD }] },
      ],
    });
    const first = await applyFile(deps, file(1));
    assert.equal(first.pools[0]!.id, 'us-east-1_Fixed1');
    assert.match(first.pools[1]!.id, /^us-east-1_[0-9A-Za-z]{9}$/);
    assert.equal(first.users.length, 2);
    assert.equal(first.users[0]!.user.status, 'CONFIRMED');
    assert.equal(first.users[1]!.user.status, 'FORCE_CHANGE_PASSWORD');

    const second = await applyFile(deps, file(2));
    assert.deepEqual(second.pools.map((p) => p.id), first.pools.map((p) => p.id));
    assert.deepEqual(second.clients.map((c) => c.id), first.clients.map((c) => c.id));
    assert.equal(second.clients[0]!.id, 'fixedclient1');
    assert.equal(deps.box.open(second.clients[1]!.secretSealed!), deps.box.open(first.clients[1]!.secretSealed!));
    assert.deepEqual(second.users, []);

    const [fixed, byName] = first.pools;
    assert.equal((await deps.storage.pools.get(fixed!.id))?.name, 'fixed renamed');
    assert.deepEqual((await deps.storage.clients.get('fixedclient1'))?.settings.callbackUrls, ['https://app2.example.com/cb']);
    assert.equal((await deps.storage.clients.listByPool(fixed!.id)).length, 2);
    assert.equal(await deps.storage.users.count(fixed!.id), 1);
    assert.equal(await deps.storage.users.count(byName!.id), 1);
    const admin = await deps.storage.users.findByAlias(fixed!.id, 'email', 'admin@example.com');
    assert.equal(admin?.id, first.users[0]!.user.id);
    assert.equal(await deps.hasher.verify(admin!.passwordHash!, STRONG_PASSWORD), true);
    assert.equal(admin?.attributes.email_verified, 'true');
    assert.deepEqual((await deps.storage.groups.listForUser(fixed!.id, admin!.id)).map((g) => g.name), ['admins']);
    assert.equal((await deps.storage.pools.list()).length, 2);
  });

  it('refuses a ClientId that another pool already uses', async () => {
    await applyFile(deps, { UserPools: [{ PoolName: 'owner', Clients: [codeClient('c', { ClientId: 'takenclientid' })] }] });
    const error = await applyFile(deps, { UserPools: [{ PoolName: 'thief', Clients: [codeClient('c', { ClientId: 'takenclientid' })] }] })
      .then(() => undefined, (e: unknown) => e);
    assert.deepEqual(issuePaths(error), ['UserPools[0].Clients[0].ClientId']);
    assert.equal((await deps.storage.pools.list()).some((p) => p.name === 'thief'), false);
  });
});
