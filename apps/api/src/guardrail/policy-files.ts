import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PolicySetSource } from '@vigil/persistence';

/** The example policy set's folder at the repository root (also in the Docker image). */
export const POLICY_FOLDER = 'policies';
const SCHEMA_FILE = 'vigil.cedarschema';

/**
 * The policy set in a folder: its `vigil.cedarschema`, and its `*.cedar` files joined in
 * name order (so `10-platform.cedar` comes before `20-internal.cedar`).
 */
export function readPolicyFolder(folder: string): PolicySetSource {
  const schema = fs.readFileSync(path.join(folder, SCHEMA_FILE), 'utf8');
  const files = fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.cedar'))
    .sort();
  const policies = files
    .map((name) => fs.readFileSync(path.join(folder, name), 'utf8').trimEnd())
    .join('\n\n');
  return { schema, policies: `${policies}\n` };
}

/**
 * The repository's example folder, found upwards from this file: the same code runs from
 * `apps/` under ts-jest and from `dist/apps/` when built.
 */
export function findExamplePolicies(start: string = __dirname): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, POLICY_FOLDER);
    if (fs.existsSync(path.join(candidate, SCHEMA_FILE))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}
