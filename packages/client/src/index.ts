// @veil/client: the whole client without UI. The PWA and the benchmarks both build on it.
export * from './reconnect-backoff';
export { VeilDatabase, ENCRYPTED_TABLES } from './store/veil-database';
export type {
  EncryptedRow,
  EncryptedTable,
  MessageRow,
  MetaRow,
  OrderedRow,
} from './store/veil-database';
export { RowCodec } from './store/row-codec';
export { MessageStore } from './store/message-store';
export type { HistoryChange, StoredMessage } from './store/message-store';
export { MessageSearch } from './search/message-search';
export type { BuildReport, HitConversation, SearchHit } from './search/message-search';
export type { SnippetPart } from './search/search-snippet';
export { foldTerm } from './search/search-terms';
export { unreadTotal } from './search/unread-total';
export { ConversationStore } from './store/conversation-store';
export type { ConversationState } from './store/conversation-store';
export { VaultLock } from './vault/vault-lock';
export type { VaultWraps, VaultListener } from './vault/vault-lock';
export { exportVaultBackup, restoreVaultBackup } from './vault/vault-backup';
export { generateBackupCode } from './devices/history-backup-export';
export { HistoryBackupError } from './devices/history-backup-records';
export type { HistoryBackupErrorCode } from './devices/history-backup-records';
export type { HistoryRestoreResult } from './devices/history-backup-import';
export type { VaultBackupOptions } from './vault/vault-backup';
export { IdleLock } from './vault/idle-lock';
export type { IdleClock } from './vault/idle-lock';
export * from './contacts/contact';
export { ContactBook } from './contacts/contact-book';
export { OwnProfileStore } from './profile/own-profile-store';
export { assertSendable, isNewer, profileContent } from './profile/profile';
export type { AvatarFormat, Profile, ProfileAvatar, ProfileInput } from './profile/profile';
export { ContactError } from './contacts/contact-error';
export type { ContactErrorCode } from './contacts/contact-error';
export { KeyStore } from './keys/key-store';
export type { PrekeyUpload } from './keys/key-store';
export { SessionStore } from './messaging/session-store';
export type { DeviceAddress } from './messaging/session-store';
export { EnvelopeCipher } from './messaging/envelope-cipher';
export type { OpenedEnvelope } from './messaging/envelope-cipher';
export { KeyedQueue } from './messaging/keyed-queue';
export { Outbox, OutboxError } from './messaging/outbox';
export type {
  OutboxEntry,
  OutboxEvent,
  OutboxRecipient,
  OutboxTransport,
} from './messaging/outbox';
export { GroupCipher } from './groups/group-cipher';
export type { GroupChange } from './groups/group-cipher';
export { GroupMessenger } from './groups/group-messenger';
export type { GroupMessengerDeps, GroupSummary } from './groups/group-messenger';
export { GroupInvites, JOIN_PATH, parseInviteLink, previewInvite } from './groups/invite-links';
export type { InvitePreview } from './groups/invite-links';
export type { JoinRequest, OwnJoinRequest } from './groups/invite-store';
export { GroupMutes, isMuted, MUTE_FOR, MUTED_ALWAYS } from './groups/group-mutes';
export { recipientReceipts } from './messaging/receipt-ledger';
export type { RecipientReceipt } from './messaging/receipt-ledger';
export { RelayHttp, RelayError } from './relay/relay-http';
export { Attachments } from './attachments/attachments';
export type { ConversationTarget, SendAttachment, SendOutcome } from './attachments/attachments';
export type { QueuedAttachment } from './attachments/attachment-queue';
export { AttachmentError } from './attachments/attachment-error';
export type { AttachmentErrorCode } from './attachments/attachment-error';
export { sourceFromBlob, sourceFromBytes } from './attachments/attachment-source';
export type { AttachmentSource } from './attachments/attachment-source';
export type {
  AttachmentMeta,
  TransferProgress,
  UploadOptions,
} from './attachments/attachment-upload';
export { displayType, downloadAttachment } from './attachments/attachment-download';
export { uploadAttachment } from './attachments/attachment-upload';
export { BrowserAttachmentCache, MemoryAttachmentCache } from './attachments/attachment-cache';
export { eraseLocalCopy } from './store/erase-local-copy';
export type { AttachmentCache } from './attachments/attachment-cache';
export type { DownloadOptions } from './attachments/attachment-download';
export { BlobApi } from './attachments/blob-api';
export type { RelayHttpOptions } from './relay/relay-http';
export { RelayApi } from './relay/relay-api';
export { RelaySocket } from './relay/relay-socket';
export type {
  RelaySocketOptions,
  SequenceCursor,
  SocketState,
  WebSocketLike,
} from './relay/relay-socket';
export { signUp, signIn, completeSecondFactor, signOut } from './relay/password-auth';
export type { KeyStretching, PasswordResult, SignInResult } from './relay/password-auth';
export {
  evaluatePasskeyPrf,
  PASSKEY_PRF_SALT,
  PasskeyPrfUnsupportedError,
  signInWithPasskey,
  signUpWithPasskey,
} from './relay/passkey-auth';
export type { Ceremony, PasskeyAuthenticator, PasskeyFactor } from './relay/passkey-auth';
export { relayOutboxTransport } from './relay/outbox-transport';
export { Messenger } from './messaging/messenger';
export {
  DELETE_WINDOW_MS,
  MessageActionError,
  reactionCounts,
  type ActionScope,
  type Actor,
} from './messaging/message-actions';
export type {
  ConversationSummary,
  MessengerDeps,
  MessengerEvent,
  PrivacyDeps,
} from './messaging/messenger';
export {
  Disappearing,
  DISAPPEARING_TIMERS,
  expiryOf,
  isNewerTimer,
  type TimerSetting,
} from './messaging/disappearing';
export { directConversation, groupConversation, Typing, TYPING_TIMING } from './messaging/typing';
export { DEFAULT_SETTINGS, SettingsStore, type Settings } from './settings/settings-store';
export { advanceMark, messageIdHex } from './messaging/chat-message';
export type {
  ChatMessage,
  DeliveryMark,
  GroupEvent,
  MessageReaction,
  MessageVersion,
  MemberReceipt,
} from './messaging/chat-message';
export { AccountApi } from './relay/account-api';
export type { StepUpProof } from './relay/account-api';
export { VeilDevice } from './veil-device';
export type { VeilDeviceOptions } from './veil-device';
export type { AddDeviceFactor, AddDeviceOptions, AddDeviceStep } from './devices/add-to-account';
export { NoAccountBackupError } from './devices/account-backup';
export type { JoinStep } from './devices/join-account';
export { OwnDeviceSync } from './devices/sync-own-devices';
export type { HistoryRange } from './devices/history-transfer';
export { NewDeviceLink, type LinkNewStep } from './devices/link-new-device';
export {
  ExistingDeviceLink,
  DeviceLinkCodeError,
  DeviceLinkTamperedError,
} from './devices/link-existing-device';
export { OwnDeviceList } from './devices/own-device-list';
export { DeviceManager, DeviceManagerError, type AccountDevice } from './devices/device-manager';
export { DeviceListSync, DEVICE_LIST_MAX_AGE_MS } from './devices/device-list-sync';
export {
  changePassword,
  deleteAccount,
  disableTotp,
  freshProof,
  newRecoveryCodes,
} from './account-security';
export type { StepUpFactor } from './account-security';
