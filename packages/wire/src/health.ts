// The body of the relay's `/healthz` (liveness) and `/readyz` (readiness) answers. The relay uses
// the schema as its route response schema; monitors and the client can check an answer against it.
import Type, { type Static } from 'typebox';

export const HealthStatus = {
  ok: 'ok',
  unavailable: 'unavailable',
} as const;

export const HealthSchema = Type.Object(
  {
    status: Type.Union([Type.Literal(HealthStatus.ok), Type.Literal(HealthStatus.unavailable)]),
    version: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export type Health = Static<typeof HealthSchema>;
