// The server half of OPAQUE (@serenity-kit/opaque, an audited binding of opaque-ke): the relay only
// ever sees blinded protocol messages and a registration record, never the password.
import * as opaque from '@serenity-kit/opaque';

let ready: Promise<void> | undefined;

export async function opaqueServer(): Promise<typeof opaque.server> {
  ready ??= opaque.ready;
  await ready;
  return opaque.server;
}
