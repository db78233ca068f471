// A history transfer between two devices of one account: the 1:1 conversations (all, or one) and
// the groups (with everything a new device needs to take part: GroupMessenger.exportGroup) over a
// chosen range, as one CBOR document encrypted with the attachment format (secretstream, its key
// and digest in the pointer) and uploaded as a blob. The pointer travels to the account's other
// devices in a `sync` record over the pairwise sessions (sync-own-devices.ts); a device imports it
// idempotently by message id, so a transfer received twice, or overlapping what the device already
// has, adds each message once.
import type { AttachmentPointer, Primitives } from '@veil/protocol';
import { Decoder, Encoder } from 'cbor-x/index-no-eval';
import { downloadAttachment } from '../attachments/attachment-download';
import { sourceFromBytes } from '../attachments/attachment-source';
import { uploadAttachment } from '../attachments/attachment-upload';
import type { BlobApi } from '../attachments/blob-api';
import type { GroupBundle, GroupMessenger } from '../groups/group-messenger';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger } from '../messaging/messenger';
import type { StoredMessage } from '../store/message-store';

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
  /** Absent in transfers from before groups travelled (still version 1: readers skip it). */
  readonly groups?: readonly {
    readonly bundle: GroupBundle;
    readonly messages: readonly ChatMessage[];
  }[];
}

type Pager = (options: {
  beforeSeq?: number;
  limit: number;
}) => Promise<StoredMessage<ChatMessage>[]>;

/** One conversation's messages sent since `since`, oldest first, read backwards a page at a time. */
async function collectConversation(page: Pager, since: number): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const rows = await page({ limit: PAGE, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
    const inRange = rows.filter((m) => m.value.sentAt >= since);
    messages.unshift(...inRange.map((m) => m.value));
    // Pages come newest first; one that reaches before `since` (or the start) ends the walk.
    if (rows.length < PAGE || inRange.length < rows.length) break;
    beforeSeq = rows[0]!.seq;
  }
  return messages;
}

/**
 * The messages of `peers` (and of every group, with what a new device needs to join it, when
 * `groups` is given) stored or sent within `range` of `now`, oldest first per conversation.
 */
export async function collectHistory(
  messenger: Messenger,
  options: {
    peers: readonly string[];
    range: HistoryRange;
    now: number;
    groups?: GroupMessenger;
  },
): Promise<HistoryDocument> {
  const since = options.now - RANGE_MS[options.range];
  const conversations = [];
  for (const peer of options.peers) {
    const messages = (await collectConversation((o) => messenger.history(peer, o), since)).filter(
      (m) => m.group === undefined,
    );
    if (messages.length > 0) conversations.push({ peer, messages });
  }
  const source = options.groups;
  if (source === undefined) return { version: TRANSFER_VERSION, conversations };
  const groups = [];
  for (const { groupId } of await source.list()) {
    const messages = (await collectConversation((o) => source.history(groupId, o), since)).filter(
      (m) => m.groupEvent === undefined,
    );
    groups.push({ bundle: await source.exportGroup(groupId), messages });
  }
  return { version: TRANSFER_VERSION, conversations, groups };
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

/**
 * Stores every message not already here (each group joined first, from its bundle); returns how
 * many were new.
 */
export async function importHistory(
  messenger: Messenger,
  document: HistoryDocument,
  groups: GroupMessenger,
): Promise<number> {
  let added = 0;
  for (const { peer, messages } of document.conversations) {
    added += await messenger.importMessages(peer, messages);
  }
  for (const { bundle, messages } of document.groups ?? []) {
    await groups.importGroup(bundle);
    added += await groups.importMessages(bundle.groupId, messages);
  }
  return added;
}
