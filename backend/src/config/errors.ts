/** Invalid configuration: the agent prints the message as one line and exits non-zero. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'PGT_CONFIG_INVALID';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}
