// Why an action on a contact was refused, as a stable code the UI turns into a sentence. Distinct
// from the protocol's UNTRUSTED_IDENTITY, so "you blocked them" is never shown as a key change.
export type ContactErrorCode = 'NO_CONTACT' | 'BLOCKED';

export class ContactError extends Error {
  override readonly name = 'ContactError';

  constructor(
    readonly code: ContactErrorCode,
    message: string,
  ) {
    super(message);
  }
}
