import * as fs from 'node:fs';
import * as path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { SETTINGS, databaseFromEnv, loadConfig } from '../../libs/config/src';
import { CASE_SEARCH_ATTRIBUTES } from '../../libs/contracts/src/search-attributes';

/**
 * docker-compose.yml and the Dockerfile checked without a Docker engine: the services the app
 * needs, how they reach each other, and that api and worker get only settings they read.
 */

const ROOT = path.resolve(__dirname, '../..');

interface Healthcheck {
  test?: string | string[];
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: string | number }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  [key: string]: unknown;
}

const REQUIRED_SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-setup',
  'temporal-ui',
  'api',
  'worker',
];
const ONE_SHOT_SERVICES = ['temporal-schema', 'temporal-setup'];
const APP_SERVICES = { api: 'api', worker: 'worker' } as const;
const SEARCH_ATTRIBUTES = [
  'VigilIdentity',
  'VigilExceptionKind',
  'VigilSeverity',
  'VigilCaseStatus',
];

const VARIABLE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose interpolation with an empty environment: every `${VAR:-default}` becomes its default. */
function interpolate(value: string, missing: string[] = []): string {
  return value.replace(VARIABLE, (match, name: string, op: string, arg: string, bare: string) => {
    if (match === '$$') return '$';
    if (op === ':-' || op === '-') return arg;
    missing.push(bare ?? name);
    return '';
  });
}

function resolveAll<T>(value: T, missing: string[] = []): T {
  if (typeof value === 'string') return interpolate(value, missing) as T;
  if (Array.isArray(value)) return value.map((item) => resolveAll(item, missing)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveAll(item, missing)]),
    ) as T;
  }
  return value;
}

const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const raw = parse(composeText, { merge: true }) as ComposeFile;
const compose = resolveAll(raw);
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function words(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter(Boolean);
}

function environment(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value ?? '')]));
}

function dependsOn(svc: Service): Record<string, string | undefined> {
  const deps = svc.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition]));
}

interface PortMapping {
  hostIp?: string;
  published?: number;
  target: number;
}

function ports(svc: Service): PortMapping[] {
  return (svc.ports ?? []).map((entry) => {
    if (typeof entry !== 'string') {
      return {
        target: Number(entry.target),
        published: entry.published === undefined ? undefined : Number(entry.published),
      };
    }
    const parts = entry.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length ? Number(parts.pop()) : undefined;
    return { hostIp: parts.pop(), published, target };
  });
}

interface BindMount {
  source: string;
  target: string;
}

function bindMounts(svc: Service): BindMount[] {
  return (svc.volumes ?? []).flatMap((entry): BindMount[] => {
    if (typeof entry !== 'string') {
      return entry.type === 'bind' && entry.source
        ? [{ source: entry.source, target: entry.target }]
        : [];
    }
    const [source, target] = entry.split(':');
    return source.startsWith('.') || source.startsWith('/') ? [{ source, target }] : [];
  });
}

/** The host file that a one-shot admin-tools service runs, found through its bind mounts. */
function scriptOf(svc: Service): { hostPath: string; text: string } {
  const invoked = [...words(svc.entrypoint), ...words(svc.command)];
  for (const mount of bindMounts(svc)) {
    const arg = invoked.find(
      (word) => word === mount.target || word.startsWith(`${mount.target}/`),
    );
    if (arg) {
      const hostPath = path.resolve(ROOT, mount.source, path.relative(mount.target, arg));
      return { hostPath, text: fs.readFileSync(hostPath, 'utf8') };
    }
  }
  throw new Error(`runs no script mounted from the repository: ${invoked.join(' ')}`);
}

function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : withoutDigest.slice(colon + 1);
}

interface Stage {
  name?: string;
  from: string;
  instructions: Array<{ keyword: string; args: string }>;
}

/** Dockerfile stages with continuation lines joined and `ARG` defaults substituted in `FROM`. */
function dockerfileStages(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args[name] = value;
    } else if (upper === 'FROM') {
      const [image, as, name] = rest
        .replace(/--platform=\S+\s*/, '')
        .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, arg: string) => args[arg] ?? '')
        .split(/\s+/);
      stages.push({
        from: image,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ keyword: upper, args: rest });
    }
  }
  return stages;
}

const dockerfilePath = path.join(ROOT, 'Dockerfile');
const stages = dockerfileStages(fs.readFileSync(dockerfilePath, 'utf8'));

describe('docker-compose.yml', () => {
  it('uses the Compose specification without the obsolete version key', () => {
    expect(raw).not.toHaveProperty('version');
    expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(REQUIRED_SERVICES));
  });

  it('starts without a .env file: every interpolated variable has a default', () => {
    const missing: string[] = [];
    resolveAll(raw, missing);
    expect(missing).toEqual([]);
  });

  it('pins every image to a tag other than latest', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, image: svc.image }).toEqual({ name, image: expect.any(String) });
      const tag = imageTag(svc.image as string);
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^[\w][\w.-]*$/) });
      expect({ name, tag }).not.toEqual({ name, tag: 'latest' });
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const mount of bindMounts(svc)) {
        expect({
          name,
          source: mount.source,
          exists: fs.existsSync(path.resolve(ROOT, mount.source)),
        }).toEqual({
          name,
          source: mount.source,
          exists: true,
        });
      }
    }
  });

  describe('api and worker', () => {
    it.each(Object.keys(APP_SERVICES))('%s builds the runtime stage of the Dockerfile', (name) => {
      const { build } = service(name);
      const spec = typeof build === 'string' ? { context: build } : build;
      expect(spec).toBeDefined();
      expect(path.resolve(ROOT, spec?.context ?? '.')).toBe(ROOT);
      const dockerfile = path.resolve(ROOT, spec?.context ?? '.', spec?.dockerfile ?? 'Dockerfile');
      expect(dockerfile).toBe(dockerfilePath);
      expect(fs.existsSync(dockerfile)).toBe(true);
      expect(stages.map((stage) => stage.name)).toContain(spec?.target);
    });

    it('share one image', () => {
      expect(service('api').image).toBe(service('worker').image);
    });

    it.each(Object.keys(APP_SERVICES))('%s runs its compiled entry point', (name) => {
      const entry = `apps/${name}/src/main`;
      expect(words(service(name).command)).toEqual(['node', `dist/${entry}.js`]);

      const configPath = path.join(ROOT, 'tsconfig.build.json');
      const parsed = ts.getParsedCommandLineOfConfigFile(
        configPath,
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
            throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
          },
        },
      );
      const outDir = parsed?.options.outDir ?? '';
      const rootDir = parsed?.options.rootDir ?? '';
      const source = path.join(ROOT, `${entry}.ts`);
      expect(fs.existsSync(source)).toBe(true);
      expect(path.relative(ROOT, path.join(outDir, path.relative(rootDir, source)))).toBe(
        `dist/${entry}.ts`,
      );
    });

    it.each(Object.entries(APP_SERVICES))(
      '%s is given only settings that the %s process reads',
      (name, processName) => {
        const known = SETTINGS.filter((setting) =>
          (setting.usedBy as readonly string[]).includes(processName),
        ).map((setting) => setting.name as string);
        const names = Object.keys(environment(service(name)));
        expect(names.filter((setting) => !known.includes(setting))).toEqual([]);
        expect(() => loadConfig(environment(service(name)))).not.toThrow();
      },
    );

    it.each(Object.keys(APP_SERVICES))(
      '%s reaches Temporal and PostgreSQL by service name',
      (name) => {
        const env = environment(service(name));
        const deps = dependsOn(service(name));

        const frontendPort = environment(service('temporal')).FRONTEND_GRPC_PORT ?? '7233';
        expect(env.TEMPORAL_ADDRESS).toBe(`temporal:${frontendPort}`);
        expect(words(service('temporal').healthcheck?.test)).toContain(frontendPort);

        const url = new URL(env.DATABASE_URL);
        expect(databaseFromEnv(env)).toEqual({ type: 'postgres', url: env.DATABASE_URL });
        expect(url.hostname).toBe('postgresql');
        expect(url.port).toBe('5432');
        expect(url.pathname).toBe('/vigil');
        const postgresEnv = environment(service('postgresql'));
        expect(decodeURIComponent(url.username)).toBe(postgresEnv.VIGIL_DB_USER);
        expect(decodeURIComponent(url.password)).toBe(postgresEnv.VIGIL_DB_PASSWORD);

        const setupEnv = environment(service('temporal-setup'));
        expect(env.TEMPORAL_NAMESPACE).toBe(setupEnv.TEMPORAL_NAMESPACE);
        expect(setupEnv.TEMPORAL_ADDRESS).toBe(env.TEMPORAL_ADDRESS);
        expect(env.TEMPORAL_TASK_QUEUE).toEqual(expect.any(String));

        expect(deps).toMatchObject({
          postgresql: 'service_healthy',
          'temporal-setup': 'service_completed_successfully',
        });
      },
    );

    it('starts the worker once the api, which runs the migrations, is healthy', () => {
      expect(dependsOn(service('worker')).api).toBe('service_healthy');
    });

    it('publishes the api on the port the container listens on and probes readiness there', () => {
      const api = service('api');
      const listenPort = Number(environment(api).API_PORT);
      expect(environment(api).API_HOST).toBe('0.0.0.0');
      expect(ports(api)).toEqual([
        expect.objectContaining({ target: listenPort, published: 3000 }),
      ]);
      const probe = words(api.healthcheck?.test).join(' ');
      expect(probe).toContain(`http://127.0.0.1:${listenPort}/health/ready`);
    });
  });

  describe('Temporal', () => {
    it('sets up both Temporal databases with temporal-sql-tool before the server starts', () => {
      const schema = service('temporal-schema');
      expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
      expect(dependsOn(schema).postgresql).toBe('service_healthy');
      expect(dependsOn(service('temporal'))['temporal-schema']).toBe(
        'service_completed_successfully',
      );

      const { text } = scriptOf(schema);
      for (const command of ['create', 'setup-schema', 'update-schema']) {
        expect(text).toMatch(new RegExp(`temporal-sql-tool\\b.*\\b${command}\\b`));
      }
      const serverEnv = environment(service('temporal'));
      expect(text).toMatch(new RegExp(`\\b${serverEnv.DBNAME}\\b`));
      expect(text).toMatch(new RegExp(`\\b${serverEnv.VISIBILITY_DBNAME}\\b`));
      expect(environment(schema).SQL_USER).toBe(serverEnv.POSTGRES_USER);
      expect(serverEnv.POSTGRES_SEEDS).toBe('postgresql');
    });

    it('creates the namespace and exactly the four Keyword search attributes once the server is healthy', () => {
      const setup = service('temporal-setup');
      expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
      expect(dependsOn(setup).temporal).toBe('service_healthy');

      const { text } = scriptOf(setup);
      expect(text).toContain('temporal operator namespace create');
      expect(text).toContain('temporal operator search-attribute create');

      const declared = [
        ...text.matchAll(
          /^\s*(?:retry\s+)?ensure_search_attribute\s+([A-Za-z]\w*)\s+([A-Za-z]\w*)\s*$/gm,
        ),
      ].map(([, name, type]) => ({ name, type }));
      expect(declared.map(({ name }) => name).sort()).toEqual([...SEARCH_ATTRIBUTES].sort());
      expect(declared.map(({ type }) => type)).toEqual(SEARCH_ATTRIBUTES.map(() => 'Keyword'));
      expect(declared.map(({ name }) => name).sort()).toEqual(
        CASE_SEARCH_ATTRIBUTES.map((key) => key.name).sort(),
      );
      expect(CASE_SEARCH_ATTRIBUTES.map((key) => key.type)).toEqual(
        CASE_SEARCH_ATTRIBUTES.map(() => SearchAttributeType.KEYWORD),
      );
    });

    it('serves the UI on host port 8233, talking to the server by service name', () => {
      const ui = service('temporal-ui');
      expect(environment(ui).TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(ports(ui)).toEqual([expect.objectContaining({ published: 8233, target: 8080 })]);
    });
  });

  describe('startup order and health', () => {
    it('treats only the schema and setup steps as one-shot', () => {
      const awaitedToFinish = new Set(
        Object.values(services).flatMap((svc) =>
          Object.entries(dependsOn(svc))
            .filter(([, condition]) => condition === 'service_completed_successfully')
            .map(([name]) => name),
        ),
      );
      expect([...awaitedToFinish].sort()).toEqual([...ONE_SHOT_SERVICES].sort());
      for (const name of ONE_SHOT_SERVICES) {
        expect({ name, restart: service(name).restart }).not.toEqual({
          name,
          restart: expect.stringMatching(/^(always|unless-stopped)$/),
        });
      }
    });

    it('gives every long-running service a healthcheck', () => {
      for (const [name, svc] of Object.entries(services)) {
        if (ONE_SHOT_SERVICES.includes(name)) continue;
        expect({ name, test: words(svc.healthcheck?.test).length > 1 }).toEqual({
          name,
          test: true,
        });
      }
    });

    it('waits only on conditions that can be met', () => {
      for (const [name, svc] of Object.entries(services)) {
        for (const [dependency, condition] of Object.entries(dependsOn(svc))) {
          expect({ name, dependency, exists: dependency in services }).toEqual({
            name,
            dependency,
            exists: true,
          });
          if (condition === 'service_healthy') {
            expect({ dependency, healthcheck: Boolean(service(dependency).healthcheck) }).toEqual({
              dependency,
              healthcheck: true,
            });
          }
        }
      }
    });

    it('checks worker health from a script that ships in the image', () => {
      const [, script] = words(service('worker').healthcheck?.test).slice(1);
      expect(fs.existsSync(path.join(ROOT, script))).toBe(true);
      const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/);
      expect(
        ignored.some((pattern) => pattern && script.startsWith(pattern.replace(/^\//, ''))),
      ).toBe(false);
      const env = Object.keys(environment(service('worker')));
      const read = [
        ...fs.readFileSync(path.join(ROOT, script), 'utf8').matchAll(/setting\('(\w+)'\)/g),
      ];
      expect(read.map(([, name]) => name).filter((name) => !env.includes(name))).toEqual([]);
    });
  });
});

describe('Dockerfile', () => {
  const build = stages.find((stage) => stage.name === 'build');
  const runtime = stages.find((stage) => stage.name === 'runtime');
  const run = (stage: Stage | undefined) =>
    (stage?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('bases every stage on a pinned Node 20 bookworm-slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:20[\w.]*-bookworm-slim$/);
    }
  });

  it('installs the native build toolchain, runs npm ci and builds in the build stage', () => {
    const commands = run(build).join('\n');
    expect(commands).toMatch(/apt-get install[^\n]*\bpython3\b/);
    expect(commands).toMatch(/apt-get install[^\n]*\bmake\b/);
    expect(commands).toMatch(/apt-get install[^\n]*\bg\+\+/);
    expect(commands).toMatch(/\bnpm ci\b/);
    expect(commands).toMatch(/\bnpm run build\b/);
    expect(commands).toMatch(/\bnpm prune --omit=dev\b/);
  });

  it('runs the runtime stage in production mode as a non-root user', () => {
    const instructions = runtime?.instructions ?? [];
    const users = instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)$/);
    expect(
      instructions
        .filter((i) => i.keyword === 'ENV')
        .map((i) => i.args)
        .join('\n'),
    ).toMatch(/\bNODE_ENV=production\b/);
    expect(instructions.some((i) => i.keyword === 'COPY' && i.args.includes('--from=build'))).toBe(
      true,
    );
  });

  it('keeps dependencies, build output and local data out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/^\//, '').replace(/\/$/, ''));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.data', '.tools', '.git', 'coverage']),
    );
  });
});
