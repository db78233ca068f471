// Suite 2, protocol parsers (docs/security.md): every pure decoder in @veil/protocol against
// 100,000 hostile inputs in CI mode (ten times more under VEIL_SOAK=1). A decoder may accept an
// input or refuse it with a ProtocolError; anything else — a TypeError, a RangeError from a typed
// array, a hang — fails the run with fast-check's shrunk counterexample.

import { describe, test } from 'vitest';
import { decodeAccountBackup } from '../identity/account-backup';
import { decodeDeviceList } from '../identity/device-list';
import { decodePrekeyBundle } from '../identity/prekey-bundle';
import { decodeAttachmentPointer } from '../attachment/attachment-pointer';
import { decodeContent } from '../content/content-record';
import { decodeEnvelopePayload } from '../envelope/envelope-payload';
import { decodeInviteLink } from '../group/group-invite';
import { decodeGroupOperation } from '../group/group-operation';
import { acceptSenderKeyDistribution } from '../group/sender-key-encoding';
import { decodeSessionStart } from '../session/session-start';
import { decodeRatchetMessage } from '../session/ratchet-message';
import { decodeGroupMessage } from '../group/group-message';
import { decodeDeviceCertificate } from '../identity/device-certificate';
import { decodeDeviceLinkHello, decodeDeviceLinkOffer } from '../identity/device-link';
import { useDecoderSuite } from './decoder-suite';

const suite = useDecoderSuite('Suite 2 — protocol parsers');

describe('suite 2: protocol parsers under hostile input', { timeout: 3_600_000 }, () => {
  test('envelope payload', () => {
    suite.fuzz('envelope payload', suite.seeds.envelopePayloads, decodeEnvelopePayload);
  });

  test('PQXDH initial message (session start)', () => {
    suite.fuzz('PQXDH session start', suite.seeds.sessionStarts, decodeSessionStart);
  });

  test('ratchet message (header and framing, before any key is used)', () => {
    suite.fuzz('ratchet message', suite.seeds.ratchetMessages, decodeRatchetMessage);
  });

  test('sender-key (group) message', () => {
    suite.fuzz('sender-key message', suite.seeds.senderKeyMessages, decodeGroupMessage);
  });

  test('device certificate', () => {
    suite.fuzz('device certificate', suite.seeds.deviceCertificates, decodeDeviceCertificate);
  });

  test('device-link offer (QR code) and hello', () => {
    suite.fuzz('device-link offer', suite.seeds.deviceLinkOffers, decodeDeviceLinkOffer);
    suite.fuzz('device-link hello', suite.seeds.deviceLinkHellos, decodeDeviceLinkHello);
  });

  test('content record', () => {
    suite.fuzz('content record', suite.seeds.contents, decodeContent);
  });

  test('group operation', () => {
    suite.fuzz('group operation', suite.seeds.groupOperations, decodeGroupOperation);
  });

  test('group invite link', () => {
    suite.fuzz('group invite link', suite.seeds.inviteLinks, decodeInviteLink);
  });

  test('sender-key distribution', () => {
    suite.fuzz(
      'sender-key distribution',
      suite.seeds.senderKeyDistributions,
      acceptSenderKeyDistribution,
    );
  });

  test('device list', () => {
    suite.fuzz('device list', suite.seeds.deviceLists, decodeDeviceList);
  });

  test('prekey bundle', () => {
    suite.fuzz('prekey bundle', suite.seeds.prekeyBundles, decodePrekeyBundle);
  });

  test('attachment pointer', () => {
    suite.fuzz('attachment pointer', suite.seeds.attachmentPointers, decodeAttachmentPointer);
  });

  test('account backup', () => {
    suite.fuzz('account backup', suite.seeds.accountBackups, decodeAccountBackup);
  });
});
