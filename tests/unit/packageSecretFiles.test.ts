import { refuseSecretLookingFiles, secretLookingFiles } from '../../local/packageSecretFiles';

describe('the files npm run package refuses to ship', () => {
  it('names the accounts files, local settings, environment files and keys, wherever they sit', () => {
    const files = [
      'telesign-accounts.json',
      'dist/functions/telesign-accounts.prod.json',
      'accounts.json',
      'local.settings.json',
      'local.settings.prod.json',
      '.env',
      '.env.production',
      'certs/callback.pem',
      'signing.key',
      'dist/shared/client.pfx',
      'site.publishsettings',
      'dynamics-client-secret.json',
      'sp-credentials.json',
    ];
    expect(secretLookingFiles(files).map((f) => f.file)).toEqual(files);
  });

  it('lets the runtime through: compiled code, host.json, the manifests', () => {
    const files = [
      'host.json',
      'package.json',
      'package-lock.json',
      'dist/functions/telesignCallback.js',
      'dist/shared/secrets/cachedSecretProvider.js',
      'dist/shared/config/telesignAccounts.js',
      'dist/shared/environment.js',
    ];
    expect(secretLookingFiles(files)).toEqual([]);
  });

  it('stops with an error that names each file and says where it belongs', () => {
    expect(() => refuseSecretLookingFiles(['host.json'])).not.toThrow();
    expect(() => refuseSecretLookingFiles(['host.json', 'telesign-accounts.json', '.env'])).toThrow(
      /look like configuration with secrets:\n {2}telesign-accounts\.json: an accounts file[^\n]*\n {2}\.env: an environment file[\s\S]*under infra\//,
    );
  });
});
