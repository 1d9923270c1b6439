import * as path from 'node:path';

/** The workflows entry point, next to this file in both the source tree and dist/. */
export const WORKFLOW_SOURCE = require.resolve(path.resolve(__dirname, '../../../workflows'));
