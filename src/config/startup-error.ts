/**
 * A start-up failure caused by the environment (database, data directory, port), reported like a
 * configuration error: one line naming the setting to look at, then a non-zero exit
 * (docs/deployment.md, "Start-up failures").
 */
export class StartupError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`start-up failed: ${setting}: ${reason}`);
  }
}
