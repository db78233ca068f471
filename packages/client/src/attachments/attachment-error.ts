// Why an attachment could not be sent or shown, as a stable code the UI turns into a sentence.
// Relay and protocol errors are folded into these so a view never has to know either layer.
export type AttachmentErrorCode =
  /** Larger than this relay takes (its VEIL_BLOB_MAX_MIB) or than the account's quota allows. */
  | 'TOO_LARGE'
  /** The relay no longer has the blob (expired, deleted) or never had it: "no longer available". */
  | 'UNAVAILABLE'
  /** The downloaded bytes are not the ones the sender described: refused, nothing is shown. */
  | 'TAMPERED'
  /**
   * The relay could not be reached, or stayed overloaded (5xx, rate limit), even after retrying;
   * the upload can be tried again later.
   */
  | 'NETWORK'
  /**
   * This device cannot keep the file until it is online: the browser's storage quota is spent, or
   * the attachments already waiting to send fill the queue's bound (attachment-queue.ts).
   */
  | 'STORAGE_FULL'
  | 'CANCELLED';

export class AttachmentError extends Error {
  override readonly name = 'AttachmentError';

  constructor(
    readonly code: AttachmentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
