/**
 * There is no Docker engine in CI, so the container files are checked statically: the compose
 * wiring (ports, Mailpit, the data volume, the scale-out profile and its Caddyfile) must agree
 * with itself, with the Dockerfile, and with the environment variables OpenPool actually reads
 * (EnvShape), so a typo fails here, not at boot.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadServerConfig } from '../../src/config/load.js';
import { projectRoot } from '../../src/config/paths.js';
import { NODE_FLAGS, PROCESS_ENV } from '../../src/config/process-settings.js';
import { EnvShape } from '../../src/config/schema.js';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose variable substitution (${VAR}, ${VAR:-default}, ${VAR-default}, $$) against `vars`. */
function interpolate(value: string, vars: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, colon: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare!;
      const set = vars[name];
      if (fallback === undefined) return set ?? '';
      if (colon) return set ? set : fallback;
      return set ?? fallback;
    });
}

/** Variables listed without a value, which compose would copy from the host shell. */
const valueless: string[] = [];

/** A service's environment as compose would pass it (list or map form), interpolated with no shell variables set. */
function serviceEnv(service: Dict): Record<string, string> {
  const raw = service.environment;
  const env: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = String(item);
      const eq = text.indexOf('=');
      if (eq < 0) valueless.push(text);
      else env[text.slice(0, eq)] = interpolate(text.slice(eq + 1));
    }
  } else if (isDict(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (value === null || value === undefined) valueless.push(key);
      else env[key] = interpolate(String(value));
    }
  }
  return env;
}

interface PortMapping { published?: number; target: number; protocol: string }

/** Short ("8080:80", "127.0.0.1:8080:80/udp", "80") and long ({ target, published }) port syntax. */
function servicePorts(service: Dict): PortMapping[] {
  const raw = service.ports;
  if (!Array.isArray(raw)) return [];
  return raw.map((item): PortMapping => {
    if (isDict(item)) {
      return { target: Number(item.target), published: item.published === undefined ? undefined : Number(item.published), protocol: String(item.protocol ?? 'tcp') };
    }
    const [spec, protocol = 'tcp'] = String(item).split('/');
    const parts = spec!.split(':');
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    return { target, published, protocol };
  });
}

interface Mount { source?: string; target: string; type: 'volume' | 'bind' }

function serviceMounts(service: Dict): Mount[] {
  const raw = service.volumes;
  if (!Array.isArray(raw)) return [];
  return raw.map((item): Mount => {
    if (isDict(item)) return { source: item.source as string | undefined, target: String(item.target), type: item.type === 'bind' ? 'bind' : 'volume' };
    const parts = String(item).split(':');
    if (parts.length === 1) return { target: parts[0]!, type: 'volume' };
    const source = parts[0]!;
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    return { source, target: parts[1]!, type: bind ? 'bind' : 'volume' };
  });
}

function dependsOn(service: Dict): string[] {
  const raw = service.depends_on;
  if (Array.isArray(raw)) return raw.map(String);
  if (isDict(raw)) return Object.keys(raw);
  return [];
}

interface Instruction { name: string; args: string }

/** Dockerfile instructions per stage: comments dropped, backslash continuations joined. */
function dockerfileStages(text: string): Instruction[][] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && current === '')) continue;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(line)!;
    const instruction = { name: match[1]!.toUpperCase(), args: match[2]! };
    if (instruction.name === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** `ENV A=1 B=2` (and the legacy `ENV A 1`) into a map; values here carry no spaces or quotes. */
function dockerEnv(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, args } of stage) {
    if (name !== 'ENV') continue;
    if (!args.includes('=')) {
      const [key, ...rest] = args.split(/\s+/);
      env[key!] = rest.join(' ');
      continue;
    }
    for (const pair of args.split(/\s+/).filter(Boolean)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

const args = (stage: Instruction[], name: string) => stage.filter((i) => i.name === name).map((i) => i.args);
const execForm = (value: string): string[] => {
  const parsed: unknown = JSON.parse(value);
  assert.ok(Array.isArray(parsed), `${value} is not exec (JSON array) form`);
  return parsed.map(String);
};

// Compose resolves YAML merge keys (`<<: *anchor`), which the scaled instances share their definition through.
const compose = parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as Dict;
const services = (isDict(compose.services) ? compose.services : {}) as Record<string, Dict>;
const openpool = services.openpool ?? {};
const mailpit = services.mailpit ?? {};
const env = serviceEnv(openpool);
const stages = dockerfileStages(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) ?? [];
const imageEnv = dockerEnv(runtime);
/** What the server sees in the container: the image's ENV, overridden by compose (validated by the tests that use it). */
function effective() {
  const parsed = EnvShape.safeParse({ ...imageEnv, ...env });
  assert.ok(parsed.success, parsed.success ? '' : `EnvShape rejects the container environment: ${parsed.error.message}`);
  return parsed.data;
}

describe('docker-compose.yml and Dockerfile, checked statically', () => {
  it('defines the openpool and mailpit services', () => {
    assert.ok(isDict(services.openpool), 'service openpool');
    assert.ok(isDict(services.mailpit), 'service mailpit');
    assert.match(String(mailpit.image), /^axllent\/mailpit(:|@|$)/);
  });

  it('builds openpool from the repository root and publishes its port', () => {
    const build = openpool.build;
    const context = isDict(build) ? build.context : build;
    assert.equal(context, '.');
    const ports = servicePorts(openpool);
    const mapping = ports.find((p) => p.published === 9229);
    assert.ok(mapping, 'host port 9229 is published');
    assert.equal(mapping.target, effective().PORT, 'the published container port is the one the server listens on');
  });

  it('sends mail to the mailpit service on the port Mailpit listens on for SMTP', () => {
    assert.ok(env.SMTP_URL, 'SMTP_URL is set');
    const url = new URL(env.SMTP_URL);
    assert.equal(url.protocol, 'smtp:');
    assert.ok(Object.hasOwn(services, url.hostname), `SMTP_URL host ${url.hostname} is a compose service`);
    assert.equal(url.hostname, 'mailpit');
    assert.equal(Number(url.port), 1025, 'Mailpit listens for SMTP on 1025 inside its container');
    assert.ok(servicePorts(mailpit).some((p) => p.target === 1025), 'mailpit publishes SMTP 1025');
    assert.ok(dependsOn(openpool).includes('mailpit'), 'openpool depends_on mailpit');
  });

  it('publishes the Mailpit web inbox on 8025', () => {
    assert.ok(servicePorts(mailpit).some((p) => p.target === 8025 && p.published === 8025));
  });

  it('keeps the SQLite database inside the named volume mounted on openpool', () => {
    const file = effective().DATABASE_URL.slice('sqlite:'.length);
    assert.ok(posix.isAbsolute(file), `DATABASE_URL ${env.DATABASE_URL} is an absolute path`);
    const mount = serviceMounts(openpool).find((m) => file.startsWith(`${m.target.replace(/\/+$/, '')}/`));
    assert.ok(mount, `${file} lies inside a mounted volume`);
    assert.equal(mount.type, 'volume');
    assert.equal(mount.source, 'openpool-data');
    assert.ok(isDict(compose.volumes) && Object.hasOwn(compose.volumes, 'openpool-data'), 'openpool-data is declared under top-level volumes');
    const declared = args(runtime, 'VOLUME').flatMap((v) => (v.startsWith('[') ? execForm(v) : v.split(/\s+/)));
    assert.ok(declared.includes(mount.target), `the Dockerfile declares VOLUME ${mount.target}`);
    assert.ok(imageEnv.DATABASE_URL?.startsWith(`sqlite:${mount.target}/`), 'the image default DATABASE_URL is inside the volume too');
  });

  it('listens on all interfaces inside the container', () => {
    assert.equal(env.HOST, '0.0.0.0');
    assert.equal(imageEnv.HOST, '0.0.0.0');
  });

  it('every variable compose sets for openpool is one OpenPool reads, and EnvShape accepts them all', () => {
    assert.deepEqual(valueless, [], 'every variable has a value in the compose file, none is copied from the host shell');
    const known = new Set(Object.keys(EnvShape.shape));
    for (const key of Object.keys(env)) assert.ok(known.has(key), `${key} is not an OpenPool environment variable (typo?)`);
    // Read by Node and glibc rather than OpenPool.
    const runtime = new Set(['NODE_ENV', 'NODE_OPTIONS', ...Object.keys(PROCESS_ENV)]);
    for (const key of Object.keys(imageEnv)) {
      if (!runtime.has(key)) assert.ok(known.has(key), `Dockerfile ENV ${key} is not an OpenPool environment variable (typo?)`);
    }
    const parsed = EnvShape.safeParse(env);
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    assert.ok(EnvShape.safeParse(imageEnv).success, 'the Dockerfile ENV alone is valid');
  });

  it('loads, through the real config loader, into a server reachable from outside the container that mails Mailpit', () => {
    const workdir = args(runtime, 'WORKDIR').at(-1) ?? '/';
    const config = loadServerConfig({ ...imageEnv, ...env }, [], workdir);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 9229);
    assert.equal(config.publicUrl, 'http://localhost:9229');
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/data/openpool.db' });
    assert.equal(config.smtpUrl, 'smtp://mailpit:1025');
    assert.ok(config.secretKey, 'a secret key is set, so the key does not depend on a file in the volume');
    assert.ok(!config.warnings.some((w) => /SMTP_URL|OPENPOOL_SECRET_KEY/.test(w)), config.warnings.join('\n'));
    assert.equal(config.adminKeys.length, 1, 'admin API keys are named, as a non-loopback HOST requires');
  });

  it('ships a development secret key that is long enough and clearly marked, overridable from the shell', () => {
    const raw = isDict(openpool.environment) ? String(openpool.environment.OPENPOOL_SECRET_KEY) : '';
    assert.match(raw, /^\$\{OPENPOOL_SECRET_KEY:-.+\}$/);
    assert.ok(env.OPENPOOL_SECRET_KEY!.length >= 32);
    assert.match(env.OPENPOOL_SECRET_KEY!, /dev/i);
    assert.equal(interpolate(raw, { OPENPOOL_SECRET_KEY: 'from-the-shell' }), 'from-the-shell');
  });

  it('runs node with the process settings npm start and the openpool command use', () => {
    for (const [name, value] of Object.entries(PROCESS_ENV)) assert.equal(imageEnv[name], value, `Dockerfile ENV ${name}`);
    assert.equal(imageEnv.NODE_OPTIONS, NODE_FLAGS.join(' '));
  });

  it('EXPOSEs the published container port and runs a file the build produces', () => {
    const exposed = args(runtime, 'EXPOSE').flatMap((v) => v.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    const published = servicePorts(openpool).map((p) => p.target);
    assert.deepEqual(exposed, [effective().PORT]);
    assert.ok(published.includes(exposed[0]!));
    const cmd = execForm(args(runtime, 'CMD').at(-1) ?? 'null');
    assert.equal(cmd[0], 'node');
    assert.ok(!isAbsolute(cmd[1]!));
    assert.ok(existsSync(join(projectRoot, cmd[1]!)), `${cmd[1]} exists after npm run build`);
    assert.equal(cmd[1], 'dist/src/cli.js');
  });

  it('builds on node:20-bookworm-slim in two stages and runs as the node user', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    for (const stage of stages) assert.match(stage[0]!.args, /^node:20-bookworm-slim\b/);
    const build = stages[0]!;
    const runs = args(build, 'RUN').join('\n');
    for (const tool of ['python3', 'make', 'g++']) assert.ok(runs.includes(tool), `the build stage installs ${tool}`);
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) assert.ok(runs.includes(step), step);
    assert.equal(args(runtime, 'USER').at(-1), 'node');
  });

  it('copies into the build stage, before npm run build, what its compiled steps need to find the project root', () => {
    const build = stages[0]!;
    const buildAt = build.findIndex((i) => i.name === 'RUN' && i.args.includes('npm run build'));
    assert.ok(buildAt > 0, 'the build stage runs npm run build');
    const copied = build.slice(0, buildAt).filter((i) => i.name === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1).map((src) => posix.basename(src)));
    // paths.ts: the root is the folder holding package.json and migrations/ (build-breached-digests.js writes into its dist/).
    for (const needed of ['package.json', 'migrations', 'src', 'tsconfig.json']) assert.ok(copied.includes(needed), `the build stage copies ${needed} before npm run build`);
  });

  it('copies into the runtime image everything the server reads from its project root', () => {
    const copies = args(runtime, 'COPY').map((c) => c.split(/\s+/).filter((w) => !w.startsWith('--')));
    const workdir = args(runtime, 'WORKDIR').at(-1);
    assert.equal(workdir, '/app');
    const destinations = new Set<string>();
    for (const words of copies) {
      const dest = words.at(-1)!;
      for (const src of words.slice(0, -1)) {
        const base = posix.basename(src);
        destinations.add(dest === './' || dest === '.' ? base : posix.normalize(dest).replace(/^\.\//, ''));
      }
    }
    // paths.ts: the root is the folder holding package.json and migrations/; views/ and public/ sit beside them.
    for (const needed of ['package.json', 'node_modules', 'dist', 'migrations', 'views', 'public']) {
      assert.ok(destinations.has(needed), `runtime stage copies ${needed} into ${workdir}`);
      assert.ok(existsSync(join(projectRoot, needed)), `${needed} exists in the repository`);
    }
  });

  it('health-checks /health with node itself (no curl in slim images) on the server port', () => {
    const healthcheck = args(runtime, 'HEALTHCHECK').at(-1) ?? '';
    const cmd = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
    assert.equal(cmd[0], 'node');
    assert.match(cmd.join(' '), /http:\/\/127\.0\.0\.1:.*\/health/);
    const composeCheck = isDict(openpool.healthcheck) ? openpool.healthcheck.test : undefined;
    assert.ok(Array.isArray(composeCheck), 'compose healthcheck uses exec form');
    assert.equal(composeCheck[0], 'CMD');
    assert.equal(composeCheck[1], 'node');
    assert.match(composeCheck.join(' '), new RegExp(`http://127\\.0\\.0\\.1:${effective().PORT}/health`));
    assert.equal(openpool.restart, 'unless-stopped');
  });

  it('keeps host build output and data out of the build context', () => {
    const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', 'data', '.git', 'test-results', '*.log']) assert.ok(ignored.includes(entry), entry);
  });
});

interface CaddyNode { tokens: string[]; children: CaddyNode[] }

/** The Caddyfile as nested directives: comments dropped, one node per line, `{ … }` blocks as children. */
function parseCaddyfile(text: string): CaddyNode[] {
  const root: CaddyNode = { tokens: [], children: [] };
  const stack = [root];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (line === '}') {
      stack.pop();
      assert.ok(stack.length > 0, 'unbalanced } in the Caddyfile');
      continue;
    }
    const opens = line.endsWith('{');
    const node: CaddyNode = { tokens: (opens ? line.slice(0, -1) : line).trim().split(/\s+/).filter(Boolean), children: [] };
    stack.at(-1)!.children.push(node);
    if (opens) stack.push(node);
  }
  assert.equal(stack.length, 1, 'unbalanced { in the Caddyfile');
  return root.children;
}

const profilesOf = (service: Dict): string[] => (Array.isArray(service.profiles) ? service.profiles.map(String) : []);

function dependsOnCondition(service: Dict, name: string): string | undefined {
  const raw = service.depends_on;
  if (!isDict(raw) || !isDict(raw[name])) return undefined;
  return String((raw[name] as Dict).condition);
}

describe('docker-compose.yml: the scale profile (PostgreSQL, Redis, two instances, Caddy in front)', () => {
  const scaled = Object.entries(services).filter(([, s]) => profilesOf(s).includes('scale')).map(([name]) => name).sort();
  const instances = scaled.filter((name) => services[name]!.build !== undefined);
  const postgres = services.postgres ?? {};
  const proxy = services.proxy ?? {};
  const pgEnv = serviceEnv(postgres);
  const instanceEnv = (name: string) => serviceEnv(services[name]!);
  const instanceConfig = (name: string) => loadServerConfig({ ...imageEnv, ...instanceEnv(name) }, [], args(runtime, 'WORKDIR').at(-1) ?? '/');
  const caddyMount = serviceMounts(proxy).find((m) => m.target === '/etc/caddy/Caddyfile');
  const caddyfile = parseCaddyfile(readFileSync(join(projectRoot, caddyMount?.source ?? 'deploy/Caddyfile'), 'utf8'));
  const site = caddyfile.find((n) => n.tokens[0]?.startsWith(':'));
  const reverseProxy = site?.children.find((n) => n.tokens[0] === 'reverse_proxy');
  const proxyPort = servicePorts(proxy).find((p) => p.published !== undefined);

  it('puts PostgreSQL, Redis, two OpenPool instances and the proxy in the profile, and leaves plain `docker compose up` as it was', () => {
    assert.deepEqual(scaled, ['openpool-1', 'openpool-2', 'postgres', 'proxy', 'redis']);
    assert.deepEqual(instances, ['openpool-1', 'openpool-2']);
    assert.deepEqual(profilesOf(openpool), [], 'the SQLite instance still starts by default');
    assert.deepEqual(profilesOf(mailpit), [], 'Mailpit serves both setups');
  });

  it('runs PostgreSQL 16 with a health check on the database the instances use, kept in a named volume', () => {
    assert.match(String(postgres.image), /^postgres:16(\.|-|$)/);
    const check = isDict(postgres.healthcheck) ? (postgres.healthcheck.test as string[]) : [];
    assert.ok(check.includes('pg_isready'), 'pg_isready');
    assert.equal(check[check.indexOf('-U') + 1], pgEnv.POSTGRES_USER);
    assert.equal(check[check.indexOf('-d') + 1], pgEnv.POSTGRES_DB);
    const data = serviceMounts(postgres).find((m) => m.target === '/var/lib/postgresql/data');
    assert.ok(data && data.type === 'volume' && isDict(compose.volumes) && Object.hasOwn(compose.volumes, data.source!), 'a declared named volume');
  });

  it('builds every instance from the repository with one environment: the same database, master key, admin keys and mail', () => {
    for (const name of instances) {
      const service = services[name]!;
      assert.equal(isDict(service.build) ? service.build.context : service.build, '.');
      assert.deepEqual(instanceEnv(name), instanceEnv(instances[0]!), `${name} has the same environment as ${instances[0]}`);
      assert.deepEqual(servicePorts(service), [], `${name} publishes no port: it is reached through the proxy only (TRUST_PROXY relies on it)`);
      const known = new Set(Object.keys(EnvShape.shape));
      for (const key of Object.keys(instanceEnv(name))) assert.ok(known.has(key), `${name}: ${key} is not an OpenPool environment variable`);
    }
    assert.deepEqual(valueless, [], 'every variable has a value in the compose file');
    const config = instanceConfig(instances[0]!);
    assert.equal(config.database.kind, 'postgres');
    const url = new URL(config.database.kind === 'postgres' ? config.database.url : '');
    assert.equal(url.hostname, 'postgres');
    assert.ok(Object.hasOwn(services, url.hostname), 'the database host is a compose service');
    assert.equal(Number(url.port || 5432), 5432);
    assert.equal(decodeURIComponent(url.username), pgEnv.POSTGRES_USER);
    assert.equal(decodeURIComponent(url.password), pgEnv.POSTGRES_PASSWORD);
    assert.equal(url.pathname, `/${pgEnv.POSTGRES_DB}`);
    assert.ok(config.secretKey && config.secretKey.length >= 32, 'a shared OPENPOOL_SECRET_KEY (required on PostgreSQL)');
    assert.equal(config.adminKeys.length, 1, 'admin keys are named, as HOST=0.0.0.0 requires');
    assert.equal(config.smtpUrl, 'smtp://mailpit:1025');
    assert.ok(config.trustProxy, 'the instances believe the proxy\'s X-Forwarded-For');
    const shell = { OPENPOOL_SECRET_KEY: 'from-the-shell-and-long-enough-to-be-a-key', POSTGRES_PASSWORD: 'pw-from-the-shell' };
    const raw = isDict(services[instances[0]!]!.environment) ? services[instances[0]!]!.environment as Dict : {};
    assert.equal(interpolate(String(raw.OPENPOOL_SECRET_KEY), shell), shell.OPENPOOL_SECRET_KEY, 'the key is overridable from the shell');
    assert.equal(new URL(interpolate(String(raw.DATABASE_URL), shell)).password, shell.POSTGRES_PASSWORD);
    assert.equal(interpolate(String(isDict(postgres.environment) ? postgres.environment.POSTGRES_PASSWORD : ''), shell), shell.POSTGRES_PASSWORD,
      'one POSTGRES_PASSWORD sets both sides');
  });

  it('keeps the instances\' rate-limit counters in the profile\'s Redis, which they wait for, unpublished and without persistence', () => {
    const redis = services.redis ?? {};
    assert.match(String(redis.image), /^redis:7(\.|-|$)/);
    assert.deepEqual(servicePorts(redis), [], 'reached by the instances only');
    const command = Array.isArray(redis.command) ? redis.command.map(String) : [];
    assert.equal(command[command.indexOf('--save') + 1], '', 'no snapshots');
    assert.equal(command[command.indexOf('--appendonly') + 1], 'no');
    const check = isDict(redis.healthcheck) ? (redis.healthcheck.test as string[]) : [];
    assert.deepEqual(check, ['CMD', 'redis-cli', 'ping']);
    for (const name of instances) {
      const config = instanceConfig(name);
      assert.ok(config.redis, `${name} has REDIS_URL`);
      const url = new URL(config.redis.url);
      assert.equal(url.hostname, 'redis');
      assert.equal(Number(url.port || 6379), 6379);
      assert.equal(dependsOnCondition(services[name]!, 'redis'), 'service_healthy', `${name} waits for Redis`);
    }
  });

  it('names the proxy\'s address as PUBLIC_URL, so issuers, discovery and cookies match what browsers reach', () => {
    assert.ok(proxyPort, 'the proxy publishes a port');
    for (const name of instances) {
      const config = instanceConfig(name);
      assert.equal(config.publicUrl, `http://localhost:${proxyPort.published}`);
      assert.equal(config.issuerBaseUrl, config.publicUrl);
    }
  });

  it('starts instances once PostgreSQL is healthy and one after the other, the proxy once both are ready, and checks readiness on /ready', () => {
    for (const name of instances) {
      const service = services[name]!;
      assert.equal(dependsOnCondition(service, 'postgres'), 'service_healthy', `${name} waits for PostgreSQL`);
      assert.ok(dependsOn(service).includes('mailpit'), `${name} depends on mailpit`);
      const check = isDict(service.healthcheck) ? (service.healthcheck.test as string[]) : [];
      assert.deepEqual(check.slice(0, 2), ['CMD', 'node']);
      assert.match(check.join(' '), new RegExp(`http://127\\.0\\.0\\.1:${instanceConfig(name).port}/ready`));
      assert.equal(dependsOnCondition(proxy, name), 'service_healthy', `the proxy waits for ${name}`);
    }
    for (const [i, name] of instances.entries()) {
      if (i > 0) assert.equal(dependsOnCondition(services[name]!, instances[i - 1]!), 'service_healthy', `${name} starts after ${instances[i - 1]} is ready (first-start seeding)`);
    }
    const proxyCheck = isDict(proxy.healthcheck) ? (proxy.healthcheck.test as string[]).join(' ') : '';
    assert.match(proxyCheck, new RegExp(`http://127\\.0\\.0\\.1:${proxyPort?.target}/health`), 'the proxy is checked through to an instance\'s /health');
  });

  it('runs Caddy with the repository\'s Caddyfile, listening on the published port and balancing over every instance, checked on /ready', () => {
    assert.match(String(proxy.image), /^caddy:2(\.|-|$)/);
    assert.ok(caddyMount, 'the Caddyfile is mounted at /etc/caddy/Caddyfile');
    assert.equal(caddyMount.type, 'bind');
    assert.ok(existsSync(join(projectRoot, caddyMount.source!)), `${caddyMount.source} exists`);
    assert.ok(site, 'a site block');
    assert.equal(site.tokens[0], `:${proxyPort?.target}`, 'Caddy listens on the port compose publishes');
    assert.ok(reverseProxy, 'a reverse_proxy directive');
    const upstreams = reverseProxy.tokens.slice(1).sort();
    assert.deepEqual(upstreams, instances.map((name) => `${name}:${instanceConfig(name).port}`).sort(), 'every instance, on the port it listens on');
    const sub = (name: string) => reverseProxy.children.find((n) => n.tokens[0] === name)?.tokens.slice(1);
    assert.deepEqual(sub('health_uri'), ['/ready'], 'only ready instances get traffic');
    assert.ok(sub('lb_policy'), 'a load-balancing policy');
    assert.equal(reverseProxy.children.some((n) => n.tokens[0] === 'header_up' && /host/i.test(n.tokens[1] ?? '')), false,
      'the Host header is passed through unchanged (SigV4 signs it)');
  });
});
