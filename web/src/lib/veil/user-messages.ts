// Turns errors from the relay and the protocol into sentences for people. The codes are stable
// (RELAY_ERR_* from the relay, ProtocolError codes from @veil/protocol); anything unknown keeps its
// own message.
import { ContactError, HistoryBackupError, MessageActionError, RelayError } from '@veil/client';
import { ProtocolError } from '@veil/protocol';

const RELAY: Readonly<Record<string, string>> = {
  NETWORK: 'The relay cannot be reached. Check the connection and try again.',
  RELAY_ERR_USERNAME_TAKEN: 'That username is not available.',
  RELAY_ERR_INVALID_CREDENTIALS: 'The username or password is not right.',
  RELAY_ERR_REGISTRATION_CLOSED: 'This relay is not accepting new accounts.',
  RELAY_ERR_INVITE: 'The invite code is not valid.',
  RELAY_ERR_SECOND_FACTOR: 'The code is not right.',
  RELAY_ERR_NO_SUCH_ACCOUNT: 'There is no such account, or it has not set up a device yet.',
  RELAY_ERR_PASSKEY: 'That passkey was not accepted.',
  RELAY_ERR_PASSKEY_REGISTRATION: 'The new passkey was not accepted. Try again.',
  RELAY_ERR_PASSKEY_EXISTS: 'That passkey is already registered.',
  RELAY_ERR_LINK_TOKEN: 'This link has expired or was already used. Start again on both devices.',
  RELAY_ERR_LINK_FULL: 'This link code was already used. Start again on the new browser.',
};

const PROTOCOL: Readonly<Record<string, string>> = {
  DECRYPT_FAILED: 'The password is not right.',
  NO_MATCHING_WRAP:
    'This account cannot be added with that: use the passkey it was made with, or its password.',
  UNTRUSTED_IDENTITY:
    "This contact's safety number changed. Review and acknowledge the change before sending.",
};

const CONTACT: Readonly<Record<string, string>> = {
  NO_CONTACT: 'This person is not in your contacts. Add them by username first.',
  BLOCKED: 'You blocked this contact. Unblock them to send messages.',
};

const MESSAGE_ACTION: Readonly<Record<string, string>> = {
  NOT_ALLOWED: 'Only the person who wrote a message can edit or delete it.',
  TOO_LATE: 'It is too late to delete this message for everyone; delete it for yourself instead.',
};

const HISTORY_BACKUP: Readonly<Record<string, string>> = {
  NOT_A_BACKUP: 'This is not a Veil history backup file.',
  WRONG_PASSPHRASE: 'The passphrase does not open this file.',
  OTHER_ACCOUNT: 'This backup belongs to another account.',
  TAMPERED: 'This file was altered or is incomplete. Nothing was restored.',
};

export function userMessage(error: unknown): string {
  if (error instanceof HistoryBackupError) return HISTORY_BACKUP[error.code] ?? error.message;
  if (error instanceof MessageActionError) return MESSAGE_ACTION[error.code] ?? error.message;
  if (error instanceof ContactError) return CONTACT[error.code] ?? error.message;
  if (error instanceof RelayError) return RELAY[error.code] ?? error.message;
  if (error instanceof ProtocolError) return PROTOCOL[error.code] ?? error.message;
  // The browser's own WebAuthn refusals (DOMException names, kept by @simplewebauthn/browser).
  if (error instanceof Error && error.name === 'NotAllowedError') {
    return 'The passkey prompt was cancelled or timed out.';
  }
  return error instanceof Error ? error.message : String(error);
}
