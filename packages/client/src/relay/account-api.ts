// The signed-in account's own routes (`/api/v1/account/...`): summary, sessions, the activity log,
// second factors and passkeys, password change, the account-key backup, deletion. Sensitive changes
// need a fresh proof (`StepUpProof`): a current TOTP code, or a re-auth token from the password, a
// recovery code or a passkey. WebAuthn ceremonies themselves run in the browser (the PWA passes the
// JSON from @simplewebauthn/browser through); this file only carries them.
import type {
  AccountSessionListReply,
  AccountSummary,
  ActivityEntry,
  KeyBackup,
  LoginStartReply,
  PasskeyAddBody,
  PasskeyCreationChallengeReply,
  PasskeyListReply,
  PasskeyReauthVerifyBody,
  PasskeyRequestOptions,
  PasskeySummary,
  PasswordChangeStartReply,
  ReauthTokenReply,
  RecoveryCodesReply,
  StepUpBody,
  TotpEnrolReply,
} from '@veil/wire';
import type { KeyStretching } from './password-auth';
import { opaqueClient } from './opaque-client';
import { RelayError, type RelayHttp } from './relay-http';

export type StepUpProof = StepUpBody;

const stretching = (keyStretching: KeyStretching | undefined) =>
  keyStretching === undefined ? {} : { keyStretching };

export class AccountApi {
  constructor(readonly http: RelayHttp) {}

  summary(): Promise<AccountSummary> {
    return this.http.get<AccountSummary>('/api/v1/account');
  }

  sessions(): Promise<AccountSessionListReply> {
    return this.http.get<AccountSessionListReply>('/api/v1/account/sessions');
  }

  async revokeSession(id: number): Promise<void> {
    await this.http.delete(`/api/v1/account/sessions/${id}`);
  }

  activity(before?: number): Promise<{ entries: ActivityEntry[]; nextBefore: number | null }> {
    return this.http.get(
      `/api/v1/account/activity${before === undefined ? '' : `?before=${before}`}`,
    );
  }

  // --- fresh proofs ------------------------------------------------------------------------------

  /** A re-auth token from the password (OPAQUE again; the password stays here). */
  async reauthWithPassword(password: string, keyStretching?: KeyStretching): Promise<StepUpProof> {
    const opaque = await opaqueClient();
    const { clientLoginState, startLoginRequest } = opaque.startLogin({ password });
    const start = await this.http.post<LoginStartReply>('/api/v1/account/reauth/password/start', {
      startLoginRequest,
    });
    const finished = opaque.finishLogin({
      clientLoginState,
      loginResponse: start.loginResponse,
      password,
      ...stretching(keyStretching),
    });
    if (finished === undefined) {
      throw new RelayError(401, 'RELAY_ERR_INVALID_CREDENTIALS', 'The password is not right');
    }
    const { reauthToken } = await this.http.post<ReauthTokenReply>(
      '/api/v1/account/reauth/password/finish',
      { loginId: start.loginId, finishLoginRequest: finished.finishLoginRequest },
    );
    return { reauthToken };
  }

  /** A re-auth token from a TOTP code or a recovery code. */
  async reauthWithCode(code: { code: string } | { recoveryCode: string }): Promise<StepUpProof> {
    const { reauthToken } = await this.http.post<ReauthTokenReply>(
      '/api/v1/account/reauth/second-factor',
      code,
    );
    return { reauthToken };
  }

  passkeyReauthOptions(): Promise<{ challengeId: string; options: PasskeyRequestOptions }> {
    return this.http.post('/api/v1/account/reauth/passkey/options');
  }

  async reauthWithPasskey(body: PasskeyReauthVerifyBody): Promise<StepUpProof> {
    const { reauthToken } = await this.http.post<ReauthTokenReply>(
      '/api/v1/account/reauth/passkey/verify',
      body,
    );
    return { reauthToken };
  }

  // --- TOTP and recovery codes ---------------------------------------------------------------------

  /** Starts enrolment; the returned otpauth:// URI is shown as a QR code. Active only once confirmed. */
  async enrolTotp(proof: StepUpProof): Promise<string> {
    const { otpauthUri } = await this.http.post<TotpEnrolReply>(
      '/api/v1/account/totp/enrol',
      proof,
    );
    return otpauthUri;
  }

  /** Confirms enrolment with a current code; returns the ten recovery codes (shown once). */
  async confirmTotp(code: string): Promise<string[]> {
    const { recoveryCodes } = await this.http.post<RecoveryCodesReply>(
      '/api/v1/account/totp/confirm',
      { code },
    );
    return recoveryCodes;
  }

  async disableTotp(proof: StepUpProof): Promise<void> {
    await this.http.post('/api/v1/account/totp/disable', proof);
  }

  async newRecoveryCodes(proof: StepUpProof): Promise<string[]> {
    const { recoveryCodes } = await this.http.post<RecoveryCodesReply>(
      '/api/v1/account/totp/recovery-codes',
      proof,
    );
    return recoveryCodes;
  }

  // --- passkeys -------------------------------------------------------------------------------------

  async passkeys(): Promise<PasskeySummary[]> {
    return (await this.http.get<PasskeyListReply>('/api/v1/account/passkeys')).passkeys;
  }

  passkeyCreationOptions(proof: StepUpProof): Promise<PasskeyCreationChallengeReply> {
    return this.http.post<PasskeyCreationChallengeReply>('/api/v1/account/passkeys/options', proof);
  }

  addPasskey(body: PasskeyAddBody): Promise<PasskeySummary> {
    return this.http.post<PasskeySummary>('/api/v1/account/passkeys', body);
  }

  async renamePasskey(id: string, name: string): Promise<void> {
    await this.http.request('PATCH', `/api/v1/account/passkeys/${encodeURIComponent(id)}`, {
      name,
    });
  }

  async removePasskey(id: string, proof: StepUpProof): Promise<void> {
    await this.http.delete(`/api/v1/account/passkeys/${encodeURIComponent(id)}`, proof);
  }

  // --- password, backup, deletion ------------------------------------------------------------------

  /**
   * OPAQUE re-registration; returns the new export key. `keyBackup` makes the account-key backup
   * for that export key, which the relay commits together with the new record (or neither).
   */
  async changePassword(options: {
    proof: StepUpProof;
    newPassword: string;
    keyStretching?: KeyStretching;
    keyBackup?: (exportKey: string) => { backup: string; expectedVersion: number };
  }): Promise<{ exportKey: string }> {
    const opaque = await opaqueClient();
    const { clientRegistrationState, registrationRequest } = opaque.startRegistration({
      password: options.newPassword,
    });
    const start = await this.http.post<PasswordChangeStartReply>('/api/v1/account/password/start', {
      registrationRequest,
      ...options.proof,
    });
    const { registrationRecord, exportKey } = opaque.finishRegistration({
      clientRegistrationState,
      registrationResponse: start.registrationResponse,
      password: options.newPassword,
      ...stretching(options.keyStretching),
    });
    await this.http.post('/api/v1/account/password/finish', {
      changeToken: start.changeToken,
      registrationRecord,
      ...(options.keyBackup === undefined ? {} : { keyBackup: options.keyBackup(exportKey) }),
    });
    return { exportKey };
  }

  /** The encrypted account-key backup, or null when there is none. */
  async keyBackup(): Promise<KeyBackup | null> {
    try {
      return await this.http.get<KeyBackup>('/api/v1/account/key-backup');
    } catch (error) {
      if (error instanceof RelayError && error.code === 'RELAY_ERR_NO_KEY_BACKUP') return null;
      throw error;
    }
  }

  async putKeyBackup(backup: string, expectedVersion: number): Promise<number> {
    const { version } = await this.http.put<{ version: number }>('/api/v1/account/key-backup', {
      backup,
      expectedVersion,
    });
    return version;
  }

  async deleteAccount(proof: StepUpProof): Promise<void> {
    await this.http.delete('/api/v1/account', proof);
  }
}
