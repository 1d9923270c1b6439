#!/usr/bin/env node
/**
 * Runs the Temporal CLI this project installs (`npm run -s temporal -- workflow list`),
 * pointed at the local dev server unless TEMPORAL_ADDRESS says otherwise.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const { ensureTemporalCli } = require('./temporal-tools');

const result = spawnSync(ensureTemporalCli({ quiet: true }), process.argv.slice(2), {
  stdio: 'inherit',
});
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? 1);
