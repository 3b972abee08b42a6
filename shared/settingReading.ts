/** The settings a part of the bundle is built from: app settings in Azure, local.settings.json or defaults locally. */
export type Env = Record<string, string | undefined>;

/**
 * A setting that a part of the bundle (the Dynamics bridge, the webhooks) reads on its own is wrong. Named like
 * shared/config.ts's ConfigError, so a start-up failure reads the same; it lives apart from config.ts so that those
 * parts need not import it (config.ts imports them).
 */
export class SettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A setting's value without surrounding blanks; undefined when it is absent or blank. */
export const settingText = (env: Env, name: string): string | undefined =>
  env[name]?.trim() ? env[name]!.trim() : undefined;
