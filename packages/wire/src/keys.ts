// Bodies of the key directory (`/api/v1/devices`, `/api/v1/keys`, `/api/v1/directory`): a device
// publishes its certificate, the account's signed device list and its prekeys; others fetch the
// device list and one prekey bundle per device. Every byte field is a protocol encoding (see
// docs/protocol.md); the relay decodes and checks them, but clients must verify them again, since
// the relay is not trusted to hand out the right keys.
import Type, { type Static } from 'typebox';
import { Base64UrlBytes, Base64UrlFixed, DeviceIdSchema, MillisSchema } from './bytes';
import { UsernameSchema } from './username-schemas';

/** The protocol's encodings, by their largest size in bytes. */
export const KEY_SIZES = {
  accountKey: 32,
  /** u8 version | u16+64 account id | 32 | u32 | 32 | 32 | 64. */
  certificate: 231,
  /** 32 devices of at most 134 bytes each, plus the header and signature. */
  deviceList: 8 * 1024,
  signedPrekey: 101,
  pqPrekey: 1254,
  oneTimePrekey: 36,
  /** The bundle the relay assembles: u8 | u32+certificate | signed | PQ | u8 [| one-time]. */
  prekeyBundle: 1 + 4 + 231 + 101 + 1254 + 1 + 36,
  /** Encrypted account-key backup. */
  keyBackup: 64 * 1024,
} as const;

/** Most prekeys of one kind a single upload may carry, and a device may keep published. */
export const PREKEY_LIMITS = { perUpload: 200, stored: 500 } as const;

const OneTimePrekeys = Type.Array(Base64UrlFixed(KEY_SIZES.oneTimePrekey), {
  maxItems: PREKEY_LIMITS.perUpload,
});
const PqOneTimePrekeys = Type.Array(Base64UrlFixed(KEY_SIZES.pqPrekey), {
  maxItems: PREKEY_LIMITS.perUpload,
});

export const PrekeyUploadBodySchema = Type.Object(
  {
    /** A new signed X25519 prekey (weekly rotation); replaces the previous one. */
    signedPrekey: Type.Optional(Base64UrlFixed(KEY_SIZES.signedPrekey)),
    /** A new last-resort ML-KEM prekey; replaces the previous one. */
    pqLastResort: Type.Optional(Base64UrlFixed(KEY_SIZES.pqPrekey)),
    oneTimePrekeys: Type.Optional(OneTimePrekeys),
    pqOneTimePrekeys: Type.Optional(PqOneTimePrekeys),
  },
  { additionalProperties: false },
);
export type PrekeyUploadBody = Static<typeof PrekeyUploadBodySchema>;

export const PrekeyCountSchema = Type.Object(
  {
    oneTime: Type.Integer({ minimum: 0 }),
    pqOneTime: Type.Integer({ minimum: 0 }),
    /** When the signed prekey was uploaded, so the device knows when to rotate it. */
    signedPrekeyAt: Type.Union([MillisSchema, Type.Null()]),
  },
  { additionalProperties: false },
);
export type PrekeyCount = Static<typeof PrekeyCountSchema>;

export const DeviceRegisterBodySchema = Type.Object(
  {
    /** The account identity key; set by the first device, must match afterwards. */
    accountKey: Base64UrlFixed(KEY_SIZES.accountKey),
    certificate: Base64UrlBytes(KEY_SIZES.certificate),
    /** A signed device list naming this device, with a higher counter than the stored one. */
    deviceList: Base64UrlBytes(KEY_SIZES.deviceList),
    signedPrekey: Base64UrlFixed(KEY_SIZES.signedPrekey),
    pqLastResort: Base64UrlFixed(KEY_SIZES.pqPrekey),
    oneTimePrekeys: OneTimePrekeys,
    pqOneTimePrekeys: PqOneTimePrekeys,
  },
  { additionalProperties: false },
);
export type DeviceRegisterBody = Static<typeof DeviceRegisterBodySchema>;

export const DeviceListBodySchema = Type.Object(
  { deviceList: Base64UrlBytes(KEY_SIZES.deviceList) },
  { additionalProperties: false },
);
export type DeviceListBody = Static<typeof DeviceListBodySchema>;

export const DeviceClaimChallengeSchema = Type.Object(
  { challenge: Base64UrlFixed(32) },
  { additionalProperties: false },
);
export type DeviceClaimChallenge = Static<typeof DeviceClaimChallengeSchema>;

/** Binds this session to an already registered device: its signing key signs the challenge. */
export const DeviceClaimBodySchema = Type.Object(
  { deviceId: DeviceIdSchema, signature: Base64UrlFixed(64) },
  { additionalProperties: false },
);
export type DeviceClaimBody = Static<typeof DeviceClaimBodySchema>;

export const DeviceBoundReplySchema = Type.Object(
  { deviceId: DeviceIdSchema, prekeys: PrekeyCountSchema },
  { additionalProperties: false },
);
export type DeviceBoundReply = Static<typeof DeviceBoundReplySchema>;

export const OwnDevicesReplySchema = Type.Object(
  {
    devices: Type.Array(
      Type.Object(
        {
          deviceId: DeviceIdSchema,
          createdAt: MillisSchema,
          lastSeenAt: Type.Union([MillisSchema, Type.Null()]),
          current: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
    deviceList: Type.Union([Base64UrlBytes(KEY_SIZES.deviceList), Type.Null()]),
  },
  { additionalProperties: false },
);
export type OwnDevicesReply = Static<typeof OwnDevicesReplySchema>;

export const DirectoryParamsSchema = Type.Object(
  { username: UsernameSchema },
  { additionalProperties: false },
);
export type DirectoryParams = Static<typeof DirectoryParamsSchema>;

export const DirectoryEntrySchema = Type.Object(
  {
    username: UsernameSchema,
    accountKey: Base64UrlFixed(KEY_SIZES.accountKey),
    deviceList: Base64UrlBytes(KEY_SIZES.deviceList),
  },
  { additionalProperties: false },
);
export type DirectoryEntry = Static<typeof DirectoryEntrySchema>;

export const BundleRequestBodySchema = Type.Object(
  {
    /** The devices to fetch bundles for; all of the account's devices when absent. */
    deviceIds: Type.Optional(Type.Array(DeviceIdSchema, { minItems: 1, maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type BundleRequestBody = Static<typeof BundleRequestBodySchema>;

export const BundleReplySchema = Type.Object(
  {
    bundles: Type.Array(
      Type.Object(
        { deviceId: DeviceIdSchema, bundle: Base64UrlBytes(KEY_SIZES.prekeyBundle) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BundleReply = Static<typeof BundleReplySchema>;

/** The account-key backup, encrypted by the client under its OPAQUE export key. */
export const KeyBackupSchema = Type.Object(
  { backup: Base64UrlBytes(KEY_SIZES.keyBackup), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type KeyBackup = Static<typeof KeyBackupSchema>;

/** Compare-and-set: `expectedVersion` is the version the writer read (0 for none). */
export const KeyBackupPutBodySchema = Type.Object(
  {
    backup: Base64UrlBytes(KEY_SIZES.keyBackup),
    expectedVersion: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type KeyBackupPutBody = Static<typeof KeyBackupPutBodySchema>;
