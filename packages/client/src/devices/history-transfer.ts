// A history transfer between two devices of one account: the 1:1 conversations (all, or one) over
// a chosen range, as one CBOR document encrypted with the attachment format (secretstream, its key
// and digest in the pointer) and uploaded as a blob. The pointer travels to the account's other
// devices in a `sync` record over the pairwise sessions (sync-own-devices.ts); a device imports it
// idempotently by message id, so a transfer received twice, or overlapping what the device already
// has, adds each message once. Group conversations are not transferred (their sender keys are not).
import type { AttachmentPointer, Primitives } from '@veil/protocol';
import { Decoder, Encoder } from 'cbor-x/index-no-eval';
import { downloadAttachment } from '../attachments/attachment-download';
import { sourceFromBytes } from '../attachments/attachment-source';
import { uploadAttachment } from '../attachments/attachment-upload';
import type { BlobApi } from '../attachments/blob-api';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger } from '../messaging/messenger';

export type HistoryRange = '7d' | '30d' | 'all';

const RANGE_MS: Readonly<Record<HistoryRange, number>> = {
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
  all: Number.POSITIVE_INFINITY,
};

/** The transfer document's format version; an unknown one is refused, never guessed at. */
const TRANSFER_VERSION = 1;
const PAGE = 200;
const CONTENT_TYPE = 'application/vnd.veil.history+cbor';

// As the store's rows: plain structures, Uint8Array kept as bytes (attachment pointers hold keys).
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export interface HistoryDocument {
  readonly version: number;
  readonly conversations: readonly {
    readonly peer: string;
    readonly messages: readonly ChatMessage[];
  }[];
}

/** The messages of `peers` stored or sent within `range` of `now`, oldest first per conversation. */
export async function collectHistory(
  messenger: Messenger,
  options: { peers: readonly string[]; range: HistoryRange; now: number },
): Promise<HistoryDocument> {
  const since = options.now - RANGE_MS[options.range];
  const conversations = [];
  for (const peer of options.peers) {
    const messages: ChatMessage[] = [];
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await messenger.history(peer, {
        limit: PAGE,
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
      });
      const inRange = page.filter((m) => m.value.sentAt >= since && m.value.group === undefined);
      messages.unshift(...inRange.map((m) => m.value));
      // Pages come newest first; one that reaches before `since` (or the start) ends the walk.
      if (page.length < PAGE || inRange.length < page.length) break;
      beforeSeq = page[0]!.seq;
    }
    if (messages.length > 0) conversations.push({ peer, messages });
  }
  return { version: TRANSFER_VERSION, conversations };
}

export function encodeHistory(document: HistoryDocument): Uint8Array {
  return encoder.encode(document);
}

export function decodeHistory(bytes: Uint8Array): HistoryDocument {
  const document = decoder.decode(bytes) as Partial<HistoryDocument> | null;
  if (document?.version !== TRANSFER_VERSION || !Array.isArray(document.conversations)) {
    throw new Error('decodeHistory: not a Veil history transfer of a known version');
  }
  return document as HistoryDocument;
}

/** Encrypts and uploads a history document; the pointer (with its key) is what the sync carries. */
export function uploadHistory(
  deps: { p: Primitives; blobs: BlobApi },
  document: HistoryDocument,
): Promise<AttachmentPointer> {
  return uploadAttachment(deps, sourceFromBytes(encodeHistory(document)), {
    contentType: CONTENT_TYPE,
    fileName: 'history.cbor',
  });
}

/** Downloads, verifies (digest and length) and decodes a transfer. */
export async function downloadHistory(
  deps: { p: Primitives; blobs: BlobApi },
  pointer: AttachmentPointer,
): Promise<HistoryDocument> {
  const blob = await downloadAttachment(deps, pointer);
  return decodeHistory(new Uint8Array(await blob.arrayBuffer()));
}

/** Stores every message not already here; returns how many were new. */
export async function importHistory(
  messenger: Messenger,
  document: HistoryDocument,
): Promise<number> {
  let added = 0;
  for (const { peer, messages } of document.conversations) {
    added += await messenger.importMessages(peer, messages);
  }
  return added;
}
