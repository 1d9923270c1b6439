import { execFileSync } from 'node:child_process';
import { ensureTemporalTools } from '../../scripts/temporal-tools';

/**
 * Installs the Temporal binaries once, before any test file starts a server, and runs the
 * CLI once so its 150 MB binary is read from disk before servers race to start.
 */
export default function globalSetup(): void {
  const { cli } = ensureTemporalTools();
  execFileSync(cli, ['--version'], { stdio: 'ignore' });
}
