import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CLI_COMMANDS,
  GUARD_DEFAULTS,
  KNOWN_ENV_VARS,
  loadConnectionConfig,
  loadGuardConfig,
} from '../../../src/config';
import { CLUSTER_HISTORY_SHARDS, CLUSTER_NAMESPACE } from '../../cluster/harness/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../../cluster/harness/temporal-binaries';
import { createComposeValidator } from './compose-validator';

const ROOT = join(__dirname, '../../..');

interface Service {
  build?: unknown;
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number };
  healthcheck?: { test?: string | string[] };
  restart?: string;
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
}

function readCompose(text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')): unknown {
  // Compose resolves YAML merge keys (`<<: *anchor`); so must we.
  return parse(text, { merge: true });
}

const compose = readCompose() as ComposeFile;
const validate = createComposeValidator();

/** Services built from our Dockerfile, i.e. running `durable-guard <command>`. */
const ourServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service '${name}'`);
  return found;
}

/** `${VAR:-default}` / `${VAR}` as compose interpolates them with none of the variables set in the shell. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}

function environment(svc: Service): Record<string, string> {
  const entries: [string, string][] = Array.isArray(svc.environment)
    ? svc.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(svc.environment ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

function commandWords(svc: Service): string[] {
  return typeof svc.command === 'string' ? svc.command.split(/\s+/) : (svc.command ?? []);
}

/** Container-side port of a short (`[ip:]host:container[/proto]`) or long port entry. */
function containerPort(entry: string | number | { target: number }): number {
  if (typeof entry === 'object') return entry.target;
  const last = String(entry).split(':').pop() ?? '';
  return Number(last.replace(/\/(tcp|udp)$/, ''));
}

function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * (units[unit ?? 's'] ?? 0);
  }
  return total;
}

describe('docker-compose.yml against the Compose Specification', () => {
  test('is valid', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test.each<[string, (file: ComposeFile) => void, string]>([
    [
      'a port that is a bare number instead of a list',
      (file) => ((file.services.api as Record<string, unknown>).ports = 5),
      '/services/api/ports',
    ],
    [
      'replicas as a word',
      (file) => ((file.services.worker as Record<string, unknown>).deploy = { replicas: 'two' }),
      '/services/worker/deploy/replicas',
    ],
    [
      'an unknown service key',
      (file) => ((file.services.api as Record<string, unknown>).portz = ['8080:8080']),
      '/services/api',
    ],
    [
      'an unknown depends_on condition',
      (file) =>
        ((file.services.worker as Record<string, unknown>).depends_on = { setup: { condition: 'service_done' } }),
      '/services/worker/depends_on',
    ],
    [
      'a malformed grace period',
      (file) => ((file.services.worker as Record<string, unknown>).stop_grace_period = 'a minute'),
      '/services/worker/stop_grace_period',
    ],
  ])('rejects a broken file: %s', (_name, breakIt, path) => {
    const broken = structuredClone(compose);
    breakIt(broken);
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain(path);
  });
});

describe('docker-compose.yml shape', () => {
  test('has the database, server, UI, setup job, workers and API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'postgresql', 'setup', 'temporal', 'temporal-ui', 'worker'].sort(),
    );
  });

  test('PostgreSQL 15, as the cluster suite runs it, keeps its data in a volume; health by pg_isready', () => {
    const db = service('postgresql');
    expect(db.image).toMatch(/^postgres:15-bookworm$/);
    expect(JSON.stringify(db.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify((db as Record<string, unknown>).volumes)).toContain('/var/lib/postgresql/data');
  });

  test('Temporal runs on PostgreSQL and has a tctl-free health check', () => {
    const temporal = service('temporal');
    // The server test/cluster builds and runs, with the same plugin and shard count.
    expect(temporal.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(environment(temporal)).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      NUM_HISTORY_SHARDS: String(CLUSTER_HISTORY_SHARDS),
      DEFAULT_NAMESPACE: CLUSTER_NAMESPACE,
    });
    const test = commandLine(temporal.healthcheck?.test);
    expect(test).toMatch(/^temporal operator /);
    expect(test).not.toMatch(/tctl/);
    expect(temporal.ports?.map(containerPort)).toContain(7233);
  });

  test('the Web UI is published on 8233 and allows that origin', () => {
    const ui = service('temporal-ui');
    expect(ui.ports).toHaveLength(1);
    const port = String(ui.ports?.[0]);
    expect(port).toMatch(/(^|:)8233:8080$/);
    expect(environment(ui)).toEqual({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_CORS_ORIGINS: 'http://localhost:8233',
    });
  });

  test('start order: database, server (healthy), setup (completed), then workers and API', () => {
    expect(service('temporal').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(service('setup').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(service('setup').restart).toBe('no');
    for (const name of ['worker', 'api']) {
      expect(service(name).depends_on).toEqual({ setup: { condition: 'service_completed_successfully' } });
    }
  });

  test('every service waited on as healthy has a health check', () => {
    for (const svc of Object.values(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(svc.depends_on ?? {})) {
        if (condition === 'service_healthy') expect(service(dependency).healthcheck?.test).toBeDefined();
      }
    }
  });

  test('two workers, with time to drain on SIGTERM', () => {
    const worker = service('worker');
    expect(worker.deploy?.replicas).toBe(2);
    expect(seconds(worker.stop_grace_period ?? '0s')).toBeGreaterThanOrEqual(30);
    // Replicas cannot share a published host port.
    expect(worker.ports).toBeUndefined();
  });
});

describe('docker-compose.yml agrees with the code', () => {
  test('our services are setup, worker and api', () => {
    expect(ourServices.map(([name]) => name).sort()).toEqual(['api', 'setup', 'worker']);
  });

  test.each(ourServices)('%s runs a durable-guard command that exists', (_name, svc) => {
    const [command] = commandWords(svc);
    expect(CLI_COMMANDS).toContain(command);
  });

  test.each(ourServices)('%s sets only environment variables src/config reads', (_name, svc) => {
    const ours = Object.keys(environment(svc)).filter((key) => /^(DURABLE_GUARD|TEMPORAL)_/.test(key));
    expect(ours.length).toBeGreaterThan(0);
    for (const key of ours) expect(KNOWN_ENV_VARS).toContain(key);
  });

  test.each(ourServices)('%s has an environment src/config accepts, pointing at the temporal service', (_name, svc) => {
    const env = environment(svc);
    const connection = loadConnectionConfig(env);
    expect(connection).toMatchObject({ address: 'temporal:7233', tls: false });
    const guard = loadGuardConfig(env);
    expect(guard.taskQueue).toBe(GUARD_DEFAULTS.taskQueue);
    for (const path of guard.policyPaths) expect(path).toMatch(/^\/app\/policies\//);
  });

  test('the API listens on all interfaces, on the port it publishes and health-checks', () => {
    const api = service('api');
    const guard = loadGuardConfig(environment(api));
    expect(guard.apiHost).toBe('0.0.0.0');
    expect(guard.apiPort).toBe(GUARD_DEFAULTS.apiPort);
    expect(guard.apiPort).toBe(8080);
    expect(api.ports?.map(containerPort)).toEqual([guard.apiPort]);
    expect(commandLine(api.healthcheck?.test)).toContain(`:${guard.apiPort}/healthz`);
  });

  test('the worker exposes the metrics port it is configured with', () => {
    const worker = service('worker');
    const guard = loadGuardConfig(environment(worker));
    expect(guard.metricsPort).toBeDefined();
    expect(worker.expose?.map(Number)).toEqual([guard.metricsPort]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const froms = instructions.filter((line) => /^FROM\s/i.test(line));
  const finalStage = instructions.slice(instructions.lastIndexOf(froms[froms.length - 1] ?? ''));

  test('is multi-stage, building in a stage named build', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]).toMatch(/^FROM node:20-bookworm-slim AS build$/i);
    expect(instructions).toContain('RUN npm ci');
    expect(instructions).toContain('RUN npm run build');
  });

  test('the final stage installs production dependencies and copies the build output and policies', () => {
    expect(finalStage[0]).toMatch(/^FROM node:20-bookworm-slim\b/);
    expect(finalStage.some((line) => /^RUN npm ci --omit=dev\b/.test(line))).toBe(true);
    expect(finalStage).toContain('COPY --from=build /app/lib ./lib');
    expect(finalStage).toContain('COPY policies ./policies');
  });

  test('the final stage runs as a non-root user', () => {
    const users = finalStage.filter((line) => /^USER\s/i.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users[users.length - 1]);
  });

  test('the entrypoint is the durable-guard CLI, matching the package bin', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(finalStage).toContain('ENTRYPOINT ["node", "lib/cli/main.js"]');
    expect(pkg.bin['durable-guard']).toBe('lib/cli/main.js');
  });

  test('.dockerignore keeps local state and build output out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'lib', '.data', '.git']) expect(ignored).toContain(entry);
  });
});

function commandLine(test: string | string[] | undefined): string {
  if (test === undefined) return '';
  if (typeof test === 'string') return test;
  const [kind, ...rest] = test;
  return kind === 'CMD' || kind === 'CMD-SHELL' ? rest.join(' ') : test.join(' ');
}
