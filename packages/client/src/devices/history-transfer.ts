// A history transfer between two devices of one account: the 1:1 conversations (all, or one) and
// the groups (with everything a new device needs to take part: GroupMessenger.exportGroup) over a
// chosen range, as one CBOR document encrypted with the attachment format (secretstream, its key
// and digest in the pointer) and uploaded as a blob. The pointer travels to the account's other
// devices in a `sync` record over the pairwise sessions (sync-own-devices.ts); a device imports it
// idempotently by message id, so a transfer received twice, or overlapping what the device already
// has, adds each message once. Since version 2 the document also carries the account's state beyond
// messages (account-state.ts: profile, group mutes, disappearing timers, an admin's invite state).
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
import {
  applyAccountState,
  collectAccountState,
  type AccountState,
  type AccountStateDeps,
} from './account-state';
import { parseAccountState } from './account-state-shape';

export type HistoryRange = '7d' | '30d' | 'all';

const RANGE_MS: Readonly<Record<HistoryRange, number>> = {
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
  all: Number.POSITIVE_INFINITY,
};

/**
 * The transfer document's format version; an unknown one is refused, never guessed at. Version 2
 * added `state`: a version-1 reader refuses such a document rather than import it without the
 * conversations' disappearing timers (its messages would then be sent from there without them).
 */
export const TRANSFER_VERSION = 2;
/** Versions this reader takes: 1 (no `state`) and the current one. */
const READABLE_VERSIONS: readonly number[] = [1, TRANSFER_VERSION];
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
  /** Version 2 on: profile, mutes, timers and invite state (absent in version 1). */
  readonly state?: AccountState;
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
    /** Where the account state comes from (the timers of `peers`; all of it with `groups`). */
    state?: AccountStateDeps;
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
  const state =
    options.state === undefined
      ? {}
      : {
          state: await collectAccountState(options.state, {
            peers: options.peers,
            whole: source !== undefined,
          }),
        };
  if (source === undefined) return { version: TRANSFER_VERSION, conversations, ...state };
  const groups = [];
  for (const { groupId } of await source.list()) {
    const messages = (await collectConversation((o) => source.history(groupId, o), since)).filter(
      (m) => m.groupEvent === undefined,
    );
    groups.push({ bundle: await source.exportGroup(groupId), messages });
  }
  return { version: TRANSFER_VERSION, conversations, groups, ...state };
}

export function encodeHistory(document: HistoryDocument): Uint8Array {
  return encoder.encode(document);
}

export function decodeHistory(bytes: Uint8Array): HistoryDocument {
  const document = decoder.decode(bytes) as Partial<HistoryDocument> | null;
  if (
    typeof document?.version !== 'number' ||
    !READABLE_VERSIONS.includes(document.version) ||
    !Array.isArray(document.conversations)
  ) {
    throw new Error('decodeHistory: not a Veil history transfer of a known version');
  }
  if (document.version === 1) {
    // A version-1 document has no state: whatever sits there is not read.
    const { version, conversations, groups } = document as HistoryDocument;
    return { version, conversations, ...(groups === undefined ? {} : { groups }) };
  }
  return { ...(document as HistoryDocument), state: parseAccountState(document.state) };
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
 * Stores every message not already here (each group joined first, from its bundle), then the
 * account state (last: invite state is judged by the groups as imported); returns how many
 * messages were new.
 */
export async function importHistory(
  messenger: Messenger,
  document: HistoryDocument,
  groups: GroupMessenger,
  state?: AccountStateDeps,
): Promise<number> {
  let added = 0;
  for (const { peer, messages } of document.conversations) {
    added += await messenger.importMessages(peer, messages);
  }
  for (const { bundle, messages } of document.groups ?? []) {
    await groups.importGroup(bundle);
    added += await groups.importMessages(bundle.groupId, messages);
  }
  if (state !== undefined && document.state !== undefined) {
    await applyAccountState(state, document.state);
  }
  return added;
}
