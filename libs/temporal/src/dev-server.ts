/**
 * Dynamic configuration for the single-binary dev server Vigil runs locally (`npm start`,
 * tests, benchmarks). The dev server has one history shard, whose transfer queue hands new
 * workflow tasks to matching at most `history.transferProcessorMaxPollRPS` times a second
 * (20 by default): a case's workflow tasks then wait about 37 ms each, which is most of the
 * time a self-remediating case takes. A cluster with many shards spreads that load instead.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = [
  'history.transferProcessorMaxPollRPS=1000',
];

/** The dynamic configuration as `temporal server start-dev` arguments. */
export function devServerConfigArgs(): string[] {
  return DEV_SERVER_DYNAMIC_CONFIG.flatMap((entry) => ['--dynamic-config-value', entry]);
}
