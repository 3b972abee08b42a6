export type { CachedSecretProviderOptions, SecretSource } from './cachedSecretProvider';
export { createCachedSecretProvider } from './cachedSecretProvider';
export type { KeyVaultSecretClientOptions } from './keyVaultSecretSource';
export { createKeyVaultSecretClient, createKeyVaultSecretSource } from './keyVaultSecretSource';
export type { SecretProvider } from './secretProvider';
export { createSettingsSecretSource } from './settingsSecretSource';
