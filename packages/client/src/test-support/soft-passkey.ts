// A passkey for Node tests: the relay's software authenticator (real ES256 signatures, checked by
// @simplewebauthn/server) plus a PRF like a real authenticator's (HMAC-SHA-256 under a secret held
// per credential), so vault wraps behave as in a browser. `prf: false` plays an authenticator
// without PRF; `prfOnCreate: false` one that evaluates PRF only on `get`, as many do.
import { createHmac, randomBytes } from 'node:crypto';
import { SoftAuthenticator } from '@veil/relay/src/auth/test-support/soft-authenticator';
import type { Ceremony, PasskeyAuthenticator } from '../relay/passkey-auth';
import type { PasskeyAssertion, PasskeyAttestation } from '@veil/wire';

export class SoftPasskey implements PasskeyAuthenticator {
  private soft: SoftAuthenticator | null = null;
  private readonly prfKey = randomBytes(32);
  /** How many ceremonies ran (tests count the user's prompts). */
  ceremonies = 0;

  constructor(
    private readonly origin: string,
    private readonly options: { prf?: boolean; prfOnCreate?: boolean } = {},
  ) {}

  get credentialId(): string {
    if (this.soft === null) throw new Error('SoftPasskey: no credential yet');
    return this.soft.credentialId;
  }

  async create(
    options: Parameters<PasskeyAuthenticator['create']>[0],
    prfSalt: Uint8Array,
  ): Promise<Ceremony<PasskeyAttestation>> {
    this.ceremonies++;
    this.soft = await SoftAuthenticator.create();
    const response = await this.soft.register(options, { origin: this.origin });
    const prf = this.options.prfOnCreate === false ? null : this.prf(prfSalt);
    return { response: this.withResults(response, prf), prf };
  }

  async get(
    options: Parameters<PasskeyAuthenticator['get']>[0],
    prfSalt: Uint8Array,
  ): Promise<Ceremony<PasskeyAssertion>> {
    this.ceremonies++;
    if (this.soft === null) throw new Error('SoftPasskey: NotAllowedError (no credential)');
    const allowed = options.allowCredentials;
    if (allowed !== undefined && !allowed.some((c) => c.id === this.soft!.credentialId)) {
      throw new Error('SoftPasskey: NotAllowedError (not an allowed credential)');
    }
    const response = await this.soft.assert(options, { origin: this.origin });
    const prf = this.prf(prfSalt);
    return { response: this.withResults(response, prf), prf };
  }

  private prf(salt: Uint8Array): Uint8Array | null {
    if (this.options.prf === false) return null;
    return new Uint8Array(createHmac('sha256', this.prfKey).update(salt).digest());
  }

  /** Like a browser, the results carry the PRF output: the client must strip it before sending. */
  private withResults<R extends { clientExtensionResults: Record<string, unknown> }>(
    response: R,
    prf: Uint8Array | null,
  ): R {
    if (prf === null) return response;
    const first = Buffer.from(prf).toString('base64url');
    return { ...response, clientExtensionResults: { prf: { enabled: true, results: { first } } } };
  }
}
