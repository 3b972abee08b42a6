/**
 * The sandbox's own RS256 key, standing in for Entra's signing keys: it signs the access tokens the token
 * endpoint issues and the tokens the webhook dispatcher sends, and the JWKS publishes its public half, so one
 * JWKS verifies both. A new key per sandbox: nothing to leak, nothing to rotate.
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export class SigningKey {
  private constructor(
    private readonly pair: KeyPair,
    private readonly publicJwk: JWK,
  ) {}

  private static shared: Promise<SigningKey> | undefined;

  static forProcess(): Promise<SigningKey> {
    SigningKey.shared ??= SigningKey.create();
    return SigningKey.shared;
  }

  static async create(): Promise<SigningKey> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new SigningKey(pair, { ...jwk, kid, use: 'sig', alg: 'RS256' });
  }

  get kid(): string {
    return this.publicJwk.kid!;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .sign(this.pair.privateKey);
  }

  /** Throws jose's errors (expired, claim mismatch, bad signature); callers map them to 401. */
  async verify(token: string, options: { audience: string; issuer: string }): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.pair.publicKey, { algorithms: ['RS256'], ...options });
    return payload;
  }
}
