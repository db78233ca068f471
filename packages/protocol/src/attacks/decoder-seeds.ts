// Real encodings of every structure a hostile peer, relay or file can hand a client: the fuzzer's
// starting points (fuzz-harness.ts mutates them), plus the receiving state each deep decoder needs
// so that a surviving input reaches signature checks and decryption, not only the parser.

import { encodeAccountBackup } from '../identity/account-backup';
import { accountPublic, createAccountIdentity } from '../identity/account-identity';
import { encodeDeviceList, signDeviceList } from '../identity/device-list';
import { encodePrekeyBundle } from '../identity/prekey-bundle';
import { encodeAttachmentPointer } from '../attachment/attachment-pointer';
import { attachmentCiphertextSize } from '../attachment/attachment-layout';
import { encodeContent } from '../content/content-record';
import { encodeEnvelopePayload } from '../envelope/envelope-payload';
import { sealForMany } from '../envelope/multi-sealed-envelope';
import { sealEnvelope } from '../envelope/sealed-envelope';
import { encodeInviteLink, inviteKeyPair, joinRequestProof } from '../group/group-invite';
import type { GroupState } from '../group/group-state';
import { encodeDeviceCertificate } from '../identity/device-certificate';
import {
  createDeviceLinkOffer,
  encodeDeviceLinkHello,
  encodeDeviceLinkOffer,
} from '../identity/device-link';
import type { AccountPublic } from '../identity/account-identity';
import { createGroup, proposeGroupOperation } from '../group/group-state';
import { createOwnSenderKey, groupEncrypt, type SenderKeyState } from '../group/sender-key';
import {
  acceptSenderKeyDistribution,
  encodeSenderKeyDistribution,
} from '../group/sender-key-encoding';
import type { Primitives } from '../primitives/primitives';
import { acceptSession, initiateSession, sessionEncrypt } from '../session/pqxdh';
import type { RatchetState } from '../session/ratchet-state';
import { makeParty, type TestParty } from '../test-support/parties';
import type { SecretKey } from '../types';
import { exportVault } from '../vault/vault-export';
import { VAULT_ARGON2ID_MIN } from '../vault/vault-params';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export interface DecoderSeeds {
  alice: TestParty;
  bob: TestParty;
  envelopePayloads: Uint8Array[];
  sealed: Uint8Array[];
  /** keyRecord || body of a multi-recipient envelope, for bob. */
  multiSealed: Uint8Array[];
  multiKeyRecordLength: number;
  sessionStarts: Uint8Array[];
  /** Bob's answers to alice, decryptable with `aliceState`. */
  ratchetMessages: Uint8Array[];
  aliceState: RatchetState;
  contents: Uint8Array[];
  groupOperations: Uint8Array[];
  inviteLinks: Uint8Array[];
  senderKeyMessages: Uint8Array[];
  senderKeyReceiver: SenderKeyState;
  senderKeyDistributions: Uint8Array[];
  deviceLists: Uint8Array[];
  prekeyBundles: Uint8Array[];
  attachmentPointers: Uint8Array[];
  vaultFiles: Uint8Array[];
  vaultPassword: string;
  accountBackups: Uint8Array[];
  deviceCertificates: Uint8Array[];
  deviceLinkOffers: Uint8Array[];
  deviceLinkHellos: Uint8Array[];
  /** Join requests (content records) with a genuine proof for `joinGroup`'s current link. */
  joinRequests: Uint8Array[];
  joinGroup: GroupState;
  joinRequester: AccountPublic;
}

export function buildDecoderSeeds(p: Primitives): DecoderSeeds {
  const alice = makeParty(p, { accountId: 'alice' });
  const bob = makeParty(p, { accountId: 'bob', oneTimeCount: 8 });

  let aliceState = initiateSession(p, {
    account: alice.pub,
    device: alice.device,
    remote: bob.pub,
    bundle: bob.bundle(),
  });
  const sessionStarts: Uint8Array[] = [];
  let start: Uint8Array | undefined;
  for (const text of ['hi', 'a longer first message with more bytes in it']) {
    const sent = sessionEncrypt(p, aliceState, bytes(text));
    aliceState = sent.state;
    sessionStarts.push(sent.message);
    start ??= sent.message;
  }
  let bobState = acceptSession(p, {
    account: bob.pub,
    device: bob.device,
    prekeys: bob.lookup,
    start: start!,
  }).state;
  const ratchetMessages: Uint8Array[] = [];
  for (const text of ['hello back', '', 'x'.repeat(300)]) {
    const sent = sessionEncrypt(p, bobState, bytes(text));
    bobState = sent.state;
    ratchetMessages.push(sent.message);
  }

  const envelopePayloads = (['sessionStart', 'message', 'group'] as const).map((kind, i) =>
    encodeEnvelopePayload({ kind, certificate: alice.certificate, body: ratchetMessages[i]! }),
  );
  const payload = { kind: 'message' as const, certificate: alice.certificate, body: bytes('body') };
  const sealed = [sealEnvelope(p, { recipient: bob.device.identity.publicKey, payload })];
  const many = sealForMany(p, {
    recipients: [bob.device.identity.publicKey, alice.device.identity.publicKey],
    payload,
  });
  const multiSealed = [Uint8Array.from([...many.keyRecords[0]!, ...many.body])];

  const messageId = new Uint8Array(16).fill(7);
  const pointer = encodeAttachmentPointer({
    blobId: 'b_Zx-19',
    key: new Uint8Array(32).fill(1) as SecretKey,
    digest: new Uint8Array(32).fill(2),
    plaintextSize: 1000,
    ciphertextSize: attachmentCiphertextSize(1000),
    contentType: 'image/png',
    fileName: 'photo of the café.png',
    width: 640,
    height: 480,
    thumbnail: Uint8Array.of(1, 2, 3),
  });
  const contents = [
    encodeContent({ type: 'text', messageId, sentAt: 1, text: 'hello 👋', replyTo: messageId }),
    encodeContent({ type: 'typing', messageId, sentAt: 2, typing: true }),
    encodeContent({
      type: 'joinRequest',
      messageId,
      sentAt: 5,
      groupId: messageId,
      proof: new Uint8Array(64).fill(2),
    }),
    encodeContent({
      type: 'joinDeclined',
      messageId,
      sentAt: 6,
      groupId: messageId,
      requester: 'dave',
    }),
    encodeContent({
      type: 'inviteSecret',
      messageId,
      sentAt: 7,
      groupId: messageId,
      secret: new Uint8Array(32).fill(3),
    }),
    encodeContent({
      type: 'reaction',
      messageId,
      sentAt: 3,
      target: messageId,
      emoji: '👍',
      remove: false,
    }),
    encodeContent({
      type: 'attachment',
      messageId,
      sentAt: 4,
      pointer,
      caption: 'c',
      replyTo: null,
    }),
  ];

  const carol = createAccountIdentity(p, 'carol');
  const group = createGroup(p, {
    creator: alice.account,
    name: 'Climbing',
    members: [bob.pub, accountPublic(carol)],
  });
  const own = createOwnSenderKey(p, {
    groupId: group.state.groupId,
    epoch: group.state.keyEpoch,
    sender: { accountId: 'alice', deviceId: 1 },
  });
  const distribution = encodeSenderKeyDistribution(own);
  const senderKeyReceiver = acceptSenderKeyDistribution(distribution);
  const senderKeyMessages: Uint8Array[] = [];
  let sending = own;
  for (const text of ['first', 'second message']) {
    const sent = groupEncrypt(p, sending, bytes(text));
    sending = sent.state;
    senderKeyMessages.push(sent.message);
  }

  const deviceList = signDeviceList(p, {
    account: alice.account,
    counter: 3,
    issuedAt: 1_700_000_000,
    devices: [
      {
        deviceId: 1,
        signingKey: alice.device.signing.publicKey,
        identityKey: alice.device.identity.publicKey,
        name: 'Laptop',
      },
    ],
  });

  const vaultPassword = 'correct horse battery staple';
  const vaultFiles = [
    exportVault(p, {
      password: vaultPassword,
      params: VAULT_ARGON2ID_MIN,
      records: [
        { table: 'messages', id: 'm1', value: bytes('one') },
        { table: 'contacts', id: 'c1', value: new Uint8Array(200).fill(9) },
      ],
    }),
  ];

  const accountBackups = [
    encodeAccountBackup([
      {
        kind: 'password',
        factorId: 'password',
        salt: new Uint8Array(16).fill(3),
        nonce: new Uint8Array(24).fill(4),
        ciphertext: new Uint8Array(80).fill(5),
      },
      {
        kind: 'passkey',
        factorId: 'Y3JlZGVudGlhbC1pZA',
        salt: new Uint8Array(16).fill(6),
        nonce: new Uint8Array(24).fill(7),
        ciphertext: new Uint8Array(80).fill(8),
      },
    ]),
  ];

  const inviteSecret = new Uint8Array(32).fill(1);
  const inviteLink = {
    groupId: group.state.groupId,
    secret: inviteSecret,
    name: 'Climbing',
    admins: [bob.pub],
  };
  const inviteKey = inviteKeyPair(p, inviteSecret).publicKey;
  const joinGroup = { ...group.state, inviteKey };
  const joinRequests = [
    encodeContent({
      type: 'joinRequest',
      messageId,
      sentAt: 6,
      groupId: group.state.groupId,
      proof: joinRequestProof(p, { link: inviteLink, requester: alice.pub }),
    }),
  ];
  const linkOffer = createDeviceLinkOffer(p);

  return {
    alice,
    bob,
    envelopePayloads,
    deviceCertificates: [encodeDeviceCertificate(alice.certificate)],
    deviceLinkOffers: [encodeDeviceLinkOffer(linkOffer.offer)],
    deviceLinkHellos: [encodeDeviceLinkHello(linkOffer.keyPair.publicKey)],
    joinRequests,
    joinGroup,
    joinRequester: alice.pub,
    sealed,
    multiSealed,
    multiKeyRecordLength: many.keyRecords[0]!.length,
    sessionStarts,
    ratchetMessages,
    aliceState,
    contents,
    groupOperations: [
      group.operation,
      proposeGroupOperation(p, {
        state: group.state,
        signer: alice.account,
        body: { type: 'link', inviteKey },
      }),
    ],
    inviteLinks: [encodeInviteLink(inviteLink)],
    senderKeyMessages,
    senderKeyReceiver,
    senderKeyDistributions: [distribution],
    deviceLists: [encodeDeviceList(deviceList)],
    prekeyBundles: [
      encodePrekeyBundle(bob.bundle()),
      encodePrekeyBundle(bob.bundle({ withOneTime: false })),
    ],
    attachmentPointers: [pointer],
    vaultFiles,
    vaultPassword,
    accountBackups,
  };
}
