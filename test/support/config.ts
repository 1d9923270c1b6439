import { ConfigError, type SettingName } from '@vigil/config';

/** The outbound webhook settings, in the order the settings table lists them. */
export const WEBHOOK_SETTINGS: SettingName[] = [
  'REMEDIATION_WEBHOOK_URL',
  'REMEDIATION_WEBHOOK_SECRET',
  'NOTIFY_WEBHOOK_URL',
  'NOTIFY_WEBHOOK_SECRET',
  'NOTIFY_WEBHOOK_FORMAT',
  'SLACK_WEBHOOK_URL',
  'WEBHOOK_TIMEOUT_MS',
];

/** Runs `fn` and returns the ConfigError it throws; fails the test if it throws anything else. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
