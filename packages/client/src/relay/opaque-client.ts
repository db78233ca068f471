// OPAQUE's client (@serenity-kit/opaque), loaded on first use. Its WebAssembly is inlined as base64:
// about 153 KB gzipped, as much as the rest of the app, and only the password flows (sign-up,
// sign-in, adding a device with a password, a password change) need it, all of them online. The
// service worker still precaches its chunk, so a tab on an older version can load it after an update.
import type * as Opaque from '@serenity-kit/opaque';

export type OpaqueClient = typeof Opaque.client;

let loading: Promise<OpaqueClient> | undefined;

export function opaqueClient(): Promise<OpaqueClient> {
  loading ??= import('@serenity-kit/opaque')
    .then(async (opaque) => {
      await opaque.ready;
      return opaque.client;
    })
    .catch((error: unknown) => {
      // Not kept: the next password flow tries again (a browser may keep refusing a module fetch
      // that failed, so the message also says to reload), and a failed start of the WebAssembly
      // is not cached either.
      loading = undefined;
      throw new Error('Veil could not load its password module. Check the connection and reload.', {
        cause: error,
      });
    });
  return loading;
}
