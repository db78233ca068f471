// Bodies of the sign-up and sign-in routes (`/api/v1/auth/...`): OPAQUE registration and login
// (the password never leaves the client), the TOTP second factor, and passkey sign-in. OPAQUE
// messages and WebAuthn byte fields travel as unpadded base64url strings.
import Type, { type Static } from 'typebox';
import { TicketTokenSchema } from './bytes';
import { AccountIdSchema, UsernameSchema } from './username-schemas';

const base64Url = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

/** 256-bit random tokens (pending logins, re-auth, password change), base64url. */
const Token = TicketTokenSchema;

/** Any OPAQUE message (the largest, the login response, is 427 characters). */
export const OpaqueMessageSchema = base64Url(1024);
export const InviteCodeSchema = Type.String({ minLength: 1, maxLength: 64 });
export const TotpCodeSchema = Type.String({ pattern: '^[0-9]{6}$' });
/** `xxxx-xxxx-xxxx-xxxx`; spaces, dashes and letter case are forgiven. */
export const RecoveryCodeSchema = Type.String({
  minLength: 16,
  maxLength: 32,
  pattern: '^[A-Za-z0-9 -]+$',
});
export const WebauthnChallengeIdSchema = Token;

export const AccountSummarySchema = Type.Object(
  {
    username: AccountIdSchema,
    createdAt: Type.Integer({ minimum: 0 }),
    /** False for a passkey-only account (no OPAQUE record): it signs in with a passkey alone. */
    passwordSet: Type.Boolean(),
    totpEnabled: Type.Boolean(),
    passkeyCount: Type.Integer({ minimum: 0 }),
    recoveryCodesLeft: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AccountSummary = Static<typeof AccountSummarySchema>;

export const RegisterStartBodySchema = Type.Object(
  {
    username: UsernameSchema,
    registrationRequest: OpaqueMessageSchema,
    invite: Type.Optional(InviteCodeSchema),
  },
  { additionalProperties: false },
);
export type RegisterStartBody = Static<typeof RegisterStartBodySchema>;

export const RegisterStartReplySchema = Type.Object(
  { registrationResponse: OpaqueMessageSchema },
  { additionalProperties: false },
);
export type RegisterStartReply = Static<typeof RegisterStartReplySchema>;

export const RegisterFinishBodySchema = Type.Object(
  {
    username: UsernameSchema,
    registrationRecord: OpaqueMessageSchema,
    invite: Type.Optional(InviteCodeSchema),
  },
  { additionalProperties: false },
);
export type RegisterFinishBody = Static<typeof RegisterFinishBodySchema>;

export const LoginStartBodySchema = Type.Object(
  { username: UsernameSchema, startLoginRequest: OpaqueMessageSchema },
  { additionalProperties: false },
);
export type LoginStartBody = Static<typeof LoginStartBodySchema>;

/** The same shape, sizes and status for known, unknown and locked accounts. */
export const LoginStartReplySchema = Type.Object(
  { loginId: Token, loginResponse: OpaqueMessageSchema },
  { additionalProperties: false },
);
export type LoginStartReply = Static<typeof LoginStartReplySchema>;

export const LoginFinishBodySchema = Type.Object(
  { loginId: Token, finishLoginRequest: OpaqueMessageSchema },
  { additionalProperties: false },
);
export type LoginFinishBody = Static<typeof LoginFinishBodySchema>;

export const SignedInReplySchema = Type.Object(
  { status: Type.Literal('signed-in'), account: AccountSummarySchema },
  { additionalProperties: false },
);
export type SignedInReply = Static<typeof SignedInReplySchema>;

export const SecondFactorMethod = { totp: 'totp', recoveryCode: 'recovery-code' } as const;

export const SecondFactorRequiredReplySchema = Type.Object(
  {
    status: Type.Literal('second-factor'),
    pendingToken: Token,
    methods: Type.Array(
      Type.Union([
        Type.Literal(SecondFactorMethod.totp),
        Type.Literal(SecondFactorMethod.recoveryCode),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type SecondFactorRequiredReply = Static<typeof SecondFactorRequiredReplySchema>;

export const LoginFinishReplySchema = Type.Union([
  SignedInReplySchema,
  SecondFactorRequiredReplySchema,
]);
export type LoginFinishReply = Static<typeof LoginFinishReplySchema>;

/** Exactly one of `code` and `recoveryCode`. (One object, not a union: see the docs on ajv.) */
export const SecondFactorBodySchema = Type.Object(
  {
    pendingToken: Token,
    code: Type.Optional(TotpCodeSchema),
    recoveryCode: Type.Optional(RecoveryCodeSchema),
  },
  { additionalProperties: false },
);
export type SecondFactorBody = Static<typeof SecondFactorBodySchema>;

// WebAuthn JSON shapes (WebAuthn Level 3 `toJSON()` forms), as @simplewebauthn produces and reads them.

const CredentialDescriptor = Type.Object({
  id: base64Url(1024),
  type: Type.Literal('public-key'),
  transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
});

/** Extensions pass through untouched (the client adds PRF itself). */
const Extensions = Type.Record(Type.String(), Type.Unknown());

export const PasskeyRequestOptionsSchema = Type.Object({
  challenge: base64Url(128),
  timeout: Type.Optional(Type.Integer()),
  rpId: Type.Optional(Type.String()),
  allowCredentials: Type.Optional(Type.Array(CredentialDescriptor)),
  userVerification: Type.Optional(Type.String()),
  extensions: Type.Optional(Extensions),
});
export type PasskeyRequestOptions = Static<typeof PasskeyRequestOptionsSchema>;

export const PasskeyCreationOptionsSchema = Type.Object({
  challenge: base64Url(128),
  rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
  user: Type.Object({ id: base64Url(128), name: Type.String(), displayName: Type.String() }),
  pubKeyCredParams: Type.Array(
    Type.Object({ alg: Type.Integer(), type: Type.Literal('public-key') }),
  ),
  timeout: Type.Optional(Type.Integer()),
  attestation: Type.Optional(Type.String()),
  excludeCredentials: Type.Optional(Type.Array(CredentialDescriptor)),
  authenticatorSelection: Type.Optional(
    Type.Object({
      authenticatorAttachment: Type.Optional(Type.String()),
      residentKey: Type.Optional(Type.String()),
      requireResidentKey: Type.Optional(Type.Boolean()),
      userVerification: Type.Optional(Type.String()),
    }),
  ),
  extensions: Type.Optional(Extensions),
  hints: Type.Optional(Type.Array(Type.String())),
});
export type PasskeyCreationOptions = Static<typeof PasskeyCreationOptionsSchema>;

const ClientExtensionResults = Type.Record(Type.String(), Type.Unknown());

/** `navigator.credentials.get()` as JSON. */
export const PasskeyAssertionSchema = Type.Object({
  id: base64Url(1024),
  rawId: base64Url(1024),
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: base64Url(4096),
    authenticatorData: base64Url(4096),
    signature: base64Url(1024),
    userHandle: Type.Optional(Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9_-]*$' })),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: ClientExtensionResults,
});
export type PasskeyAssertion = Static<typeof PasskeyAssertionSchema>;

/** `navigator.credentials.create()` as JSON. */
export const PasskeyAttestationSchema = Type.Object({
  id: base64Url(1024),
  rawId: base64Url(1024),
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: base64Url(4096),
    attestationObject: base64Url(16_384),
    authenticatorData: Type.Optional(base64Url(16_384)),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
    publicKey: Type.Optional(base64Url(4096)),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: ClientExtensionResults,
});
export type PasskeyAttestation = Static<typeof PasskeyAttestationSchema>;

export const PasskeyLoginChallengeReplySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, options: PasskeyRequestOptionsSchema },
  { additionalProperties: false },
);
export type PasskeyLoginChallengeReply = Static<typeof PasskeyLoginChallengeReplySchema>;

export const PasskeyLoginVerifyBodySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, response: PasskeyAssertionSchema },
  { additionalProperties: false },
);
export type PasskeyLoginVerifyBody = Static<typeof PasskeyLoginVerifyBodySchema>;

/** Passkey-only sign-up, first step: a creation challenge for a username not yet taken. */
export const PasskeySignupStartBodySchema = Type.Object(
  { username: UsernameSchema, invite: Type.Optional(InviteCodeSchema) },
  { additionalProperties: false },
);
export type PasskeySignupStartBody = Static<typeof PasskeySignupStartBodySchema>;

export const PasskeySignupChallengeReplySchema = Type.Object(
  { challengeId: WebauthnChallengeIdSchema, options: PasskeyCreationOptionsSchema },
  { additionalProperties: false },
);
export type PasskeySignupChallengeReply = Static<typeof PasskeySignupChallengeReplySchema>;

/** Second step: the new passkey; the account exists once it verifies. */
export const PasskeySignupFinishBodySchema = Type.Object(
  {
    challengeId: WebauthnChallengeIdSchema,
    username: UsernameSchema,
    invite: Type.Optional(InviteCodeSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    response: PasskeyAttestationSchema,
  },
  { additionalProperties: false },
);
export type PasskeySignupFinishBody = Static<typeof PasskeySignupFinishBodySchema>;
