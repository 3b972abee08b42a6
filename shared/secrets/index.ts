export type { SecretProvider } from './secretProvider';
export { createCachedSecretProvider } from './cachedSecretProvider';
export type { SecretSource, CachedSecretProviderOptions } from './cachedSecretProvider';
export { createKeyVaultSecretClient, createKeyVaultSecretSource } from './keyVaultSecretSource';
export type { KeyVaultSecretClientOptions } from './keyVaultSecretSource';
export { createSettingsSecretSource } from './settingsSecretSource';
