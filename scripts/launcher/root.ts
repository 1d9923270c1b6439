import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest folder above `from` whose package.json is Vigil's. */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (isVigilPackage(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`no package.json with "name": "vigil" in ${from} or above`);
    }
  }
}

function isVigilPackage(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === 'vigil';
  } catch {
    return false;
  }
}
