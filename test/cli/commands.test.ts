import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInvocation, runInvocation, USAGE } from '../../src/cli/commands.js';

describe('openpool command line parsing', () => {
  it('serves with no verb, with serve, and with options alone (npm start -- --config file)', () => {
    assert.deepEqual(parseInvocation([]), { kind: 'serve', argv: [] });
    assert.deepEqual(parseInvocation(['--config', 'a.json']), { kind: 'serve', argv: ['--config', 'a.json'] });
    assert.deepEqual(parseInvocation(['--config=a.json']), { kind: 'serve', argv: ['--config=a.json'] });
    assert.deepEqual(parseInvocation(['serve', '--config', 'a.json']), { kind: 'serve', argv: ['--config', 'a.json'] });
    assert.equal(parseInvocation(['serve', '--port', '1']).kind, 'usage');
    assert.equal(parseInvocation(['--bogus']).kind, 'usage');
  });

  it('parses the keys verbs and their options', () => {
    const rotate = parseInvocation(['keys', 'rotate', '--pool', 'us-east-1_A', '--purpose', 'id']);
    assert.ok(rotate.kind === 'run');
    assert.deepEqual(rotate.command.words, ['keys', 'rotate']);
    assert.deepEqual({ ...rotate.options }, { pool: 'us-east-1_A', purpose: 'id' });
    const list = parseInvocation(['keys', 'list', '--pool=us-east-1_A']);
    assert.ok(list.kind === 'run' && list.options.pool === 'us-east-1_A');
    for (const bad of [['keys'], ['keys', 'rotate', '--pool'], ['keys', 'rotate', '--pool', ''], ['keys', 'list', '--pool', 'p', 'extra'],
      ['keys', 'list', '--pool', 'p', '--purpose', 'id'], ['rotate'], ['keys', 'rotate', '--pool', 'a', '--pool', 'b']]) {
      const parsed = parseInvocation(bad);
      assert.equal(parsed.kind, 'usage', bad.join(' '));
    }
  });

  it('parses migrate-data, which needs a sqlite: source and a postgres:// target', () => {
    const run = parseInvocation(['migrate-data', '--from', 'sqlite:./data/openpool.db', '--to', 'postgres://op:pw@db:5432/openpool']);
    assert.ok(run.kind === 'run' && run.command.standalone);
    assert.deepEqual({ ...run.options }, { from: 'sqlite:./data/openpool.db', to: 'postgres://op:pw@db:5432/openpool' });
    const problem = (args: string[]) => {
      const parsed = parseInvocation(['migrate-data', ...args]);
      return parsed.kind === 'usage' ? parsed.problem : undefined;
    };
    assert.equal(problem(['--from', 'sqlite:a.db']), '--to is required');
    assert.equal(problem(['--from', 'a.db', '--to', 'postgres://db/x']), '--from must be sqlite:<path to the OpenPool database file>');
    assert.equal(problem(['--from', 'sqlite:a.db', '--to', 'mysql://db/x']), '--to must be postgres://user:password@host:port/database');
  });

  it('help prints the usage on stdout and exits 0; bad usage prints it on stderr and exits 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const neverOpened = () => Promise.reject(new Error('no session for help or usage'));
    assert.equal(await runInvocation({ kind: 'help' }, io, neverOpened), 0);
    assert.deepEqual(out, [USAGE]);
    assert.equal(await runInvocation({ kind: 'usage', problem: '--pool is required' }, io, neverOpened), 2);
    assert.match(err.join(''), /^openpool: --pool is required\n\nUsage:/);
  });
});
