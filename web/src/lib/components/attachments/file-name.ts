// How an attachment's file name and size are shown. The name is the sender's choice: rendered as
// text only (never HTML), and with every bidirectional control character replaced, so a name like
// "invoice\u202Efdp.exe" cannot pass for "invoiceexe.pdf". The page also isolates it in <bdi>, so
// a right-to-left name cannot reorder the text around it.
import { neutraliseControls } from '../../plain-text';

export function displayFileName(name: string): string {
  const cleaned = neutraliseControls(name);
  return cleaned === '' ? 'attachment' : cleaned;
}

/**
 * A name to save the download under: the display name with path separators removed as well (the
 * browser sanitises too; this keeps what the user sees and what is saved the same).
 */
export function saveFileName(name: string): string {
  return displayFileName(name).replace(/[/\\]/g, '_');
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB'] as const;

export function formatFileSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
