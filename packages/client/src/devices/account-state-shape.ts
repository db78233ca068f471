// Reading an AccountState (account-state.ts) out of a history transfer or backup file, which is
// hostile input until proven otherwise: every field's type, size and range is checked, byte
// strings are copied out of the decoder's buffer, and anything else is refused whole with the
// protocol's MALFORMED (or the profile's own TOO_LARGE / INVALID_ARGUMENT) — never half taken in.
import { fail, LIMITS, ProtocolError, utf8, type Ed25519PublicKey } from '@veil/protocol';
import { MAX_PENDING_REQUESTS, type JoinRequest } from '../groups/invite-store';
import { assertSendable, type AvatarFormat, type Profile } from '../profile/profile';
import type { AccountState, GroupMuteEntry, InviteEntry, TimerEntry } from './account-state';

/** Most entries of one kind: far above any real account, a bound on what a file can make us do. */
export const MAX_STATE_ENTRIES = 10_000;

type Fields = Readonly<Record<string, unknown>>;

const CONTEXT = 'parseAccountState';

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('MALFORMED', `${CONTEXT}: ${what} is not an object`);
  }
  return value as Fields;
}

function list(value: unknown, what: string, max: number): readonly unknown[] {
  if (!Array.isArray(value)) fail('MALFORMED', `${CONTEXT}: ${what} is not a list`);
  if (value.length > max) fail('TOO_LARGE', `${CONTEXT}: too many ${what}`);
  return value;
}

/** A time in ms (or 0), as the stores keep them. */
function time(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail('MALFORMED', `${CONTEXT}: ${what} is not a time`);
  }
  return value;
}

function bytes(value: unknown, what: string, length: { min: number; max: number }): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length < length.min || value.length > length.max) {
    fail('MALFORMED', `${CONTEXT}: ${what} is not bytes of the right length`);
  }
  return new Uint8Array(value); // a copy: the decoder's buffer is not ours to keep
}

function accountId(value: unknown, what: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    utf8(value).length > LIMITS.maxAccountIdBytes
  ) {
    fail('MALFORMED', `${CONTEXT}: ${what} is not an account id`);
  }
  return value;
}

/** Group ids are base64url (of 16 to 32 bytes; a little room either side). */
function groupId(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(value)) {
    fail('MALFORMED', `${CONTEXT}: not a group id`);
  }
  return value;
}

function profile(value: unknown): Profile | null {
  if (value === null) return null;
  const fields = object(value, 'profile');
  const { displayName, avatar } = fields;
  if (typeof displayName !== 'string') fail('MALFORMED', `${CONTEXT}: profile name`);
  let picture: Profile['avatar'] = null;
  if (avatar !== null) {
    const a = object(avatar, 'avatar');
    // The format is checked by assertSendable below (an unknown one is INVALID_ARGUMENT).
    const format = a['format'] as AvatarFormat;
    picture = {
      format,
      bytes: bytes(a['bytes'], 'avatar', { min: 1, max: LIMITS.maxMessageBytes }),
    };
  }
  const result: Profile = {
    displayName,
    avatar: picture,
    updatedAt: time(fields['updatedAt'], 'profile time'),
  };
  try {
    assertSendable(result); // the protocol's own limits on names and avatars
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    fail('MALFORMED', `${CONTEXT}: profile`, error);
  }
  return result;
}

function groupMute(value: unknown): GroupMuteEntry {
  const fields = object(value, 'group mute');
  return {
    groupId: groupId(fields['groupId']),
    mutedUntil: time(fields['mutedUntil'], 'mutedUntil'),
    changedAt: time(fields['changedAt'], 'changedAt'),
  };
}

function timer(value: unknown): TimerEntry {
  const fields = object(value, 'timer');
  const { scope, seconds, id } = fields;
  if (scope !== 'direct' && scope !== 'group') fail('MALFORMED', `${CONTEXT}: timer scope`);
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 0 ||
    seconds > 0xffffffff
  ) {
    fail('MALFORMED', `${CONTEXT}: timer seconds are not a u32`);
  }
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id))
    fail('MALFORMED', `${CONTEXT}: timer id`);
  return {
    scope,
    conversation:
      scope === 'group'
        ? groupId(fields['conversation'])
        : accountId(fields['conversation'], 'peer'),
    seconds,
    sentAt: time(fields['sentAt'], 'timer time'),
    id,
  };
}

function joinRequest(value: unknown): JoinRequest {
  const fields = object(value, 'join request');
  return {
    accountId: accountId(fields['accountId'], 'requester'),
    accountKey: bytes(fields['accountKey'], 'requester key', {
      min: 32,
      max: 32,
    }) as Ed25519PublicKey,
    // A signature (verified again before it is kept); the bound only caps what is read.
    proof: bytes(fields['proof'], 'proof', { min: 1, max: 1024 }),
    requestedAt: time(fields['requestedAt'], 'requestedAt'),
  };
}

function invite(value: unknown): InviteEntry {
  const fields = object(value, 'invite');
  const secret =
    fields['secret'] === null ? null : bytes(fields['secret'], 'secret', { min: 32, max: 32 });
  return {
    groupId: groupId(fields['groupId']),
    secret,
    requests: list(fields['requests'], 'join requests', MAX_PENDING_REQUESTS).map(joinRequest),
  };
}

/** The account state `value` holds; throws a ProtocolError (MALFORMED, TOO_LARGE) for anything else. */
export function parseAccountState(value: unknown): AccountState {
  const fields = object(value, 'account state');
  return {
    profile: profile(fields['profile']),
    groupMutes: list(fields['groupMutes'], 'group mutes', MAX_STATE_ENTRIES).map(groupMute),
    timers: list(fields['timers'], 'timers', MAX_STATE_ENTRIES).map(timer),
    invites: list(fields['invites'], 'invites', MAX_STATE_ENTRIES).map(invite),
  };
}
