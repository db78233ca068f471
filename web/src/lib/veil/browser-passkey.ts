// The browser's half of passkey ceremonies for @veil/client, through @simplewebauthn/browser (it
// turns the relay's JSON options into navigator.credentials calls and the credential back into
// JSON). The PRF extension is added here, and its output read from the client extension results;
// @veil/client strips those results before anything goes to the relay.
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { Ceremony, PasskeyAuthenticator } from '@veil/client';
import type { PasskeyAssertion, PasskeyAttestation } from '@veil/wire';

interface PrfOutputs {
  readonly prf?: { readonly enabled?: boolean; readonly results?: { readonly first?: unknown } };
}

/** The PRF output as bytes, or null when the authenticator gave none. */
function prfResult(results: unknown): Uint8Array | null {
  const first = (results as PrfOutputs | undefined)?.prf?.results?.first;
  if (first instanceof ArrayBuffer) return new Uint8Array(first.slice(0));
  if (ArrayBuffer.isView(first)) {
    return new Uint8Array(
      first.buffer.slice(first.byteOffset, first.byteOffset + first.byteLength),
    );
  }
  return null;
}

function prfInputs(salt: Uint8Array): AuthenticationExtensionsClientInputs {
  // A copy in a plain ArrayBuffer: what the WebAuthn IDL's BufferSource accepts everywhere.
  return { prf: { eval: { first: new Uint8Array(salt).buffer } } };
}

export const browserPasskey: PasskeyAuthenticator = {
  async create(options, prfSalt): Promise<Ceremony<PasskeyAttestation>> {
    const json = await startRegistration({
      optionsJSON: {
        ...(options as Parameters<typeof startRegistration>[0]['optionsJSON']),
        extensions: { ...options.extensions, ...prfInputs(prfSalt) },
      },
    });
    return {
      response: json as unknown as PasskeyAttestation,
      prf: prfResult(json.clientExtensionResults),
    };
  },

  async get(options, prfSalt): Promise<Ceremony<PasskeyAssertion>> {
    const json = await startAuthentication({
      optionsJSON: {
        ...(options as Parameters<typeof startAuthentication>[0]['optionsJSON']),
        extensions: { ...options.extensions, ...prfInputs(prfSalt) },
      },
    });
    return {
      response: json as unknown as PasskeyAssertion,
      prf: prfResult(json.clientExtensionResults),
    };
  },
};

/** Whether this browser can do passkeys at all (the sign-up screen offers them only then). */
export function passkeysAvailable(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
}
