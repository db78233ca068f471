// Erasing this browser's copy of an account: the database (vault, keys, history, outbox) and the
// opened attachments kept in Cache Storage. One place, so deleting the account, erasing a removed
// device and undoing a failed join all leave the same nothing behind.
import { BrowserAttachmentCache } from '../attachments/attachment-cache';
import type { VeilDatabase } from './veil-database';

/** Lock the vault first. Auto-open stays on, so the same database object can hold a new account. */
export async function eraseLocalCopy(db: VeilDatabase): Promise<void> {
  await db.delete({ disableAutoOpen: false });
  // Cached attachments are ciphertext whose keys went with the vault, but they are still the
  // account's files, and their number and sizes say something: none is left behind.
  if (typeof caches !== 'undefined') await new BrowserAttachmentCache().clear();
}
