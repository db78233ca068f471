// A software WebAuthn authenticator for tests: an ES256 (P-256) key from Node's WebCrypto,
// registration with 'none' attestation encoded in CBOR (a tiny encoder for the few types needed),
// and assertions signed over authenticatorData || SHA-256(clientDataJSON), as the spec lays out.
// Every ceremony can be bent (origin, rpID, no user verification, a chosen counter) so tests can
// check that the relay refuses what a broken or malicious client would send.
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import type {
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyCreationOptions,
  PasskeyRequestOptions,
} from '@veil/wire';

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, length: number): Uint8Array {
  if (length < 24) return Uint8Array.of((major << 5) | length);
  if (length < 0x100) return Uint8Array.of((major << 5) | 24, length);
  if (length < 0x10000) return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
  throw new RangeError('cbor: item too long for this encoder');
}

/** Definite-length CBOR for integers, byte and text strings, and maps: all WebAuthn needs here. */
export function encodeCbor(value: Cbor): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RangeError('cbor: integers only');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
  return Buffer.concat(parts);
}

/** WebCrypto signs ECDSA as r || s; WebAuthn wants an ASN.1 DER SEQUENCE of two INTEGERs. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): Buffer => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = Buffer.from(bytes.subarray(start));
    if (body[0]! & 0x80) body = Buffer.concat([Buffer.of(0), body]);
    return Buffer.concat([Buffer.of(0x02, body.length), body]);
  };
  const seq = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.of(0x30, seq.length), seq]);
}

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const b64u = (data: Uint8Array): string => Buffer.from(data).toString('base64url');

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface Ceremony {
  /** The page origin the browser would report. */
  readonly origin: string;
  /** The rpID the authenticator hashes; defaults to the one in the options. */
  readonly rpId?: string;
  /** Set false for an authenticator that only tested presence. */
  readonly userVerified?: boolean;
  /** The signature counter to report; by default it grows by one per assertion. */
  readonly counter?: number;
}

export class SoftAuthenticator {
  /** The user handle it was registered with (discoverable credentials return it). */
  private userHandle: string | null = null;
  private rpId: string | null = null;

  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    readonly credentialId: string,
    /** False: an authenticator that keeps its counter at zero (as many platform passkeys do). */
    private readonly counting: boolean,
    private counter = 0,
  ) {}

  static async create(options: { counting?: boolean } = {}): Promise<SoftAuthenticator> {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    return new SoftAuthenticator(keys, b64u(randomBytes(16)), options.counting ?? true);
  }

  async register(options: PasskeyCreationOptions, ceremony: Ceremony): Promise<PasskeyAttestation> {
    this.rpId = ceremony.rpId ?? options.rp.id ?? null;
    this.userHandle = options.user.id;
    const jwk = await webcrypto.subtle.exportKey('jwk', this.keys.publicKey);
    const coseKey = new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const credentialId = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.authDataHead(this.rpId, ceremony, FLAG_AT, ceremony.counter ?? this.counter),
      Buffer.alloc(16), // AAGUID: zero for 'none' attestation
      idLength,
      credentialId,
      encodeCbor(coseKey),
    ]);
    const attestationObject = encodeCbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, ceremony),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  async assert(options: PasskeyRequestOptions, ceremony: Ceremony): Promise<PasskeyAssertion> {
    // A bent counter (a clone's view) leaves this authenticator's own counter alone.
    const counter = ceremony.counter ?? (this.counting ? ++this.counter : this.counter);
    const rpId = ceremony.rpId ?? options.rpId ?? this.rpId;
    const authData = this.authDataHead(rpId, ceremony, 0, counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, ceremony);
    const signed = Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]);
    const raw = await webcrypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      this.keys.privateKey,
      signed,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64u(authData),
        signature: b64u(derSignature(new Uint8Array(raw))),
        ...(this.userHandle === null ? {} : { userHandle: this.userHandle }),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  private authDataHead(
    rpId: string | null | undefined,
    ceremony: Ceremony,
    extraFlags: number,
    counter: number,
  ): Buffer {
    if (rpId == null) throw new Error('soft authenticator: no rpID to sign for');
    const flags = FLAG_UP | (ceremony.userVerified === false ? 0 : FLAG_UV) | extraFlags;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([sha256(Buffer.from(rpId)), Buffer.of(flags), counterBytes]);
  }

  private clientData(type: string, challenge: string, ceremony: Ceremony): string {
    return b64u(
      Buffer.from(JSON.stringify({ type, challenge, origin: ceremony.origin, crossOrigin: false })),
    );
  }
}
