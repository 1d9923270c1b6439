#!/usr/bin/env node
/**
 * `npm test`: installs the Temporal binaries the tests start, type-checks, runs the whole
 * Jest suite on SQLite and, when TEST_DATABASE_URL names a PostgreSQL database, runs it again
 * on PostgreSQL. Extra arguments go to Jest (`npm test -- test/unit`).
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureTemporalTools } = require('./temporal-tools');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const jestArgs = process.argv.slice(2);

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function jestPass(label, databaseUrl) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-jest-')), 'report.json');
  console.log(`\n== ${label}`);
  const status = run(bin('jest'), ['--json', `--outputFile=${report}`, ...jestArgs], env);
  const counts = fs.existsSync(report)
    ? JSON.parse(fs.readFileSync(report, 'utf8'))
    : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  return {
    label,
    ok: status === 0,
    passed: counts.numPassedTests,
    failed: counts.numFailedTests,
    skipped: counts.numPendingTests,
  };
}

function main() {
  const tools = ensureTemporalTools();
  process.env.TEMPORAL_CLI_PATH = tools.cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = tools.testServer;

  console.log('== type check');
  if (run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], process.env) !== 0) return 1;

  const passes = [jestPass('tests on SQLite', null)];
  const postgres = process.env.TEST_DATABASE_URL;
  if (postgres) passes.push(jestPass('tests on PostgreSQL', postgres));
  else console.log('\nPostgreSQL pass skipped: set TEST_DATABASE_URL=postgres://… to run it too.');

  console.log('');
  for (const pass of passes) {
    console.log(
      `${pass.label}: ${pass.passed} passed, ${pass.failed} failed, ${pass.skipped} skipped`,
    );
  }
  const passed = passes.reduce((n, p) => n + p.passed, 0);
  const failed = passes.reduce((n, p) => n + p.failed, 0);
  const ok = passes.every((p) => p.ok);
  console.log(`${passed} passed, ${failed} failed`);
  return ok ? 0 : 1;
}

process.exitCode = main();
