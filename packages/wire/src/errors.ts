// The body of every error reply (Fastify's shape with the relay's RELAY_ERR_* code). Clients branch
// on `code`; `message` is for people.
import Type, { type Static } from 'typebox';

export const ErrorReplySchema = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
  code: Type.Optional(Type.String()),
  error: Type.String(),
  message: Type.String(),
});
export type ErrorReply = Static<typeof ErrorReplySchema>;
