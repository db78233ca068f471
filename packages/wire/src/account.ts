// Bodies of the signed-in account routes (`/api/v1/account/...`): the account summary, sessions,
// TOTP, passkeys, re-authentication, password change, deletion and the security activity log.
// Every change to a factor or the password carries a StepUp proof (see docs: "Fresh proof").
import Type, { type Static } from 'typebox';
import {
  OpaqueMessageSchema,
  PasskeyCreationOptionsSchema,
  PasskeyRequestOptionsSchema,
  PasskeyAssertionSchema,
  PasskeyAttestationSchema,
  RecoveryCodeSchema,
  TotpCodeSchema,
  WebauthnChallengeIdSchema,
} from './auth';
import { TicketTokenSchema } from './bytes';
import { KeyBackupPutBodySchema } from './keys';

const Token = TicketTokenSchema;
const Millis = Type.Integer({ minimum: 0 });

/**
 * A fresh proof for a sensitive change: a current TOTP code (accounts with TOTP), or a re-auth
 * token from one of the `/account/reauth/...` flows. Exactly one is expected.
 */
export const StepUpBodySchema = Type.Object(
  {
    code: Type.Optional(TotpCodeSchema),
    reauthToken: Type.Optional(Token),
  },
  { additionalProperties: false },
);
export type StepUpBody = Static<typeof StepUpBodySchema>;

export const ReauthTokenReplySchema = Type.Object(
  { reauthToken: Token, expiresAt: Millis },
  { additionalProperties: false },
);
export type ReauthTokenReply = Static<typeof ReauthTokenReplySchema>;

export const ReauthSecondFactorBodySchema = Type.Object(
  { code: Type.Optional(TotpCodeSchema), recoveryCode: Type.Optional(RecoveryCodeSchema) },
  { additionalProperties: false },
);
export type ReauthSecondFactorBody = Static<typeof ReauthSecondFactorBodySchema>;

export const ReauthPasswordStartBodySchema = Type.Object(
  { startLoginRequest: OpaqueMessageSchema },
  { additionalProperties: false },
);
export type ReauthPasswordStartBody = Static<typeof ReauthPasswordStartBodySchema>;

export const AccountSessionSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    label: Type.String({ maxLength: 64 }),
    method: Type.String({ maxLength: 64 }),
    createdAt: Millis,
    lastSeenAt: Millis,
    current: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type AccountSession = Static<typeof AccountSessionSchema>;

export const AccountSessionListReplySchema = Type.Object(
  { sessions: Type.Array(AccountSessionSchema) },
  { additionalProperties: false },
);
export type AccountSessionListReply = Static<typeof AccountSessionListReplySchema>;

export const AccountSessionIdParamsSchema = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

export const TotpEnrolReplySchema = Type.Object(
  { otpauthUri: Type.String({ maxLength: 512 }) },
  { additionalProperties: false },
);
export type TotpEnrolReply = Static<typeof TotpEnrolReplySchema>;

export const TotpConfirmBodySchema = Type.Object(
  { code: TotpCodeSchema },
  { additionalProperties: false },
);
export type TotpConfirmBody = Static<typeof TotpConfirmBodySchema>;

/** Shown once: the relay keeps only their SHA-256. */
export const RecoveryCodesReplySchema = Type.Object(
  { recoveryCodes: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 16 }) },
  { additionalProperties: false },
);
export type RecoveryCodesReply = Static<typeof RecoveryCodesReplySchema>;

export const PasskeyNameSchema = Type.String({ minLength: 1, maxLength: 64 });

export const PasskeySummarySchema = Type.Object(
  {
    id: Type.String({ maxLength: 1024 }),
    name: PasskeyNameSchema,
    createdAt: Millis,
    lastUsedAt: Type.Union([Millis, Type.Null()]),
    backedUp: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PasskeySummary = Static<typeof PasskeySummarySchema>;

export const PasskeyListReplySchema = Type.Object(
  { passkeys: Type.Array(PasskeySummarySchema) },
  { additionalProperties: false },
);
export type PasskeyListReply = Static<typeof PasskeyListReplySchema>;

export const PasskeyCredentialIdParamsSchema = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

export const PasskeyCreationChallengeReplySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, options: PasskeyCreationOptionsSchema },
  { additionalProperties: false },
);
export type PasskeyCreationChallengeReply = Static<typeof PasskeyCreationChallengeReplySchema>;

export const PasskeyReauthChallengeReplySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, options: PasskeyRequestOptionsSchema },
  { additionalProperties: false },
);

export const PasskeyAddBodySchema = Type.Object(
  {
    challengeId: WebauthnChallengeIdSchema,
    name: Type.Optional(PasskeyNameSchema),
    response: PasskeyAttestationSchema,
  },
  { additionalProperties: false },
);
export type PasskeyAddBody = Static<typeof PasskeyAddBodySchema>;

export const PasskeyReauthVerifyBodySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, response: PasskeyAssertionSchema },
  { additionalProperties: false },
);
export type PasskeyReauthVerifyBody = Static<typeof PasskeyReauthVerifyBodySchema>;

export const PasskeyRenameBodySchema = Type.Object(
  { name: PasskeyNameSchema },
  { additionalProperties: false },
);
export type PasskeyRenameBody = Static<typeof PasskeyRenameBodySchema>;

export const PasswordChangeStartBodySchema = Type.Object(
  {
    registrationRequest: OpaqueMessageSchema,
    code: Type.Optional(TotpCodeSchema),
    reauthToken: Type.Optional(Token),
  },
  { additionalProperties: false },
);
export type PasswordChangeStartBody = Static<typeof PasswordChangeStartBodySchema>;

export const PasswordChangeStartReplySchema = Type.Object(
  { registrationResponse: OpaqueMessageSchema, changeToken: Token },
  { additionalProperties: false },
);
export type PasswordChangeStartReply = Static<typeof PasswordChangeStartReplySchema>;

export const PasswordChangeFinishBodySchema = Type.Object(
  {
    changeToken: Token,
    registrationRecord: OpaqueMessageSchema,
    /**
     * The account-key backup re-encrypted under the new password's export key, committed in the
     * same transaction as the new record (compare-and-set on its version), so the relay never
     * holds a password whose backup the old password opens.
     */
    keyBackup: Type.Optional(KeyBackupPutBodySchema),
  },
  { additionalProperties: false },
);
export type PasswordChangeFinishBody = Static<typeof PasswordChangeFinishBodySchema>;

/** Kinds the auth routes record; other parts of the relay add their own (device events). */
export const ActivityKind = {
  accountCreated: 'account-created',
  signIn: 'sign-in',
  signInFailed: 'sign-in-failed',
  locked: 'locked',
  totpEnabled: 'totp-enabled',
  totpDisabled: 'totp-disabled',
  recoveryCodeUsed: 'recovery-code-used',
  recoveryCodesRegenerated: 'recovery-codes-regenerated',
  passkeyAdded: 'passkey-added',
  passkeyRemoved: 'passkey-removed',
  passkeyRenamed: 'passkey-renamed',
  passwordChanged: 'password-changed',
  sessionRevoked: 'session-revoked',
  deviceAdded: 'device-added',
  deviceRemoved: 'device-removed',
  deviceListChanged: 'device-list-changed',
  keyBackupChanged: 'key-backup-changed',
} as const;

export const ActivityEntrySchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: Millis,
    kind: Type.String({ maxLength: 64 }),
    detail: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ActivityEntry = Static<typeof ActivityEntrySchema>;

export const ActivityQuerySchema = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuerySchema>;

/** Newest first; pass `nextBefore` as `before` for the next page (null: no more). */
export const ActivityPageReplySchema = Type.Object(
  {
    entries: Type.Array(ActivityEntrySchema),
    nextBefore: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ActivityPageReply = Static<typeof ActivityPageReplySchema>;
