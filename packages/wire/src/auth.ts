// Bodies of the sign-up and password sign-in routes (OPAQUE: the password never leaves the
// browser; these fields are OPAQUE protocol messages, base64url as @serenity-kit/opaque emits them).
import Type, { type Static } from 'typebox';

/** 3–32 of a–z, 0–9, '.', '_', '-'; the relay lower-cases before checking. */
export const UsernameSchema = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9._-]+$',
});

const opaqueMessage = (maxLength: number) =>
  Type.String({ minLength: 16, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

export const RegisterStartBodySchema = Type.Object(
  {
    username: UsernameSchema,
    registrationRequest: opaqueMessage(128),
    invite: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type RegisterStartBody = Static<typeof RegisterStartBodySchema>;

export const RegisterStartReplySchema = Type.Object(
  { registrationResponse: Type.String() },
  { additionalProperties: false },
);
export type RegisterStartReply = Static<typeof RegisterStartReplySchema>;

export const RegisterFinishBodySchema = Type.Object(
  {
    username: UsernameSchema,
    registrationRecord: opaqueMessage(512),
    invite: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type RegisterFinishBody = Static<typeof RegisterFinishBodySchema>;

export const LoginStartBodySchema = Type.Object(
  { username: UsernameSchema, startLoginRequest: opaqueMessage(256) },
  { additionalProperties: false },
);
export type LoginStartBody = Static<typeof LoginStartBodySchema>;

export const LoginStartReplySchema = Type.Object(
  { loginId: Type.String(), loginResponse: Type.String() },
  { additionalProperties: false },
);
export type LoginStartReply = Static<typeof LoginStartReplySchema>;

export const LoginFinishBodySchema = Type.Object(
  {
    loginId: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    finishLoginRequest: opaqueMessage(512),
  },
  { additionalProperties: false },
);
export type LoginFinishBody = Static<typeof LoginFinishBodySchema>;

export const AccountSummarySchema = Type.Object(
  { username: Type.String(), createdAt: Type.Integer() },
  { additionalProperties: false },
);
export type AccountSummary = Static<typeof AccountSummarySchema>;

export const SignedInReplySchema = Type.Object(
  { status: Type.Literal('signed-in'), account: AccountSummarySchema },
  { additionalProperties: false },
);
export type SignedInReply = Static<typeof SignedInReplySchema>;
