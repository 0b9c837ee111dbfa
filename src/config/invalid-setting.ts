/** Thrown by a setting's parser; the loader turns it into a ConfigError naming the setting. */
export class InvalidSetting extends Error {}
