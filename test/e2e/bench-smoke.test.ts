import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SCENARIOS } from '../../bench/scenarios.js';
import { benchConfig } from '../../bench/seed.js';
import { prepareTarget, type Target } from '../../bench/target.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Keeps `npm run bench` working: every scenario runs for a second against a test server and must
 * get successful answers only. It checks no speed; a change that makes a scenario fail (a renamed
 * field, a new required parameter) fails here instead of silently reporting non-2xx in the bench.
 */
describe('benchmark scenarios (smoke)', () => {
  let t: TestServer;
  let target: Target;

  before(async () => {
    // The bench's limit: one client IP sending thousands of token requests a second is the point.
    t = await startTestServer({ config: benchConfig(), env: { RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' } });
    target = await prepareTarget(t.url.replace('//localhost:', '//127.0.0.1:'), { users: 2 });
  });

  after(async () => {
    await t.close();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.id} ${scenario.title} answers 2xx under load`, async () => {
      const stats = await scenario.run(target, { connections: Math.min(2, scenario.maxConnections ?? 2), durationS: 1 });
      assert.ok(stats.ok > 0, `no successful ${scenario.unit}s in a second: ${JSON.stringify(stats)}`);
      assert.equal(stats.non2xx, 0, `non-2xx answers: ${JSON.stringify(stats)}`);
      assert.equal(stats.errors, 0, `connection errors: ${JSON.stringify(stats)}`);
    });
  }
});
