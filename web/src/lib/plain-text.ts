// Names other people chose (file names, group titles, device names, invite links), made safe to
// show as one line of text: the page renders them as text only (never HTML) and isolates them
// (<bdi>, or FSI…PDI inside a longer string), and here every bidirectional control is replaced, so
// "invoice\u202Efdp.exe" cannot pass for "invoiceexe.pdf" and a stray PDI cannot close the isolate
// it is shown in. Message texts keep theirs (a person may need them in their own words); the
// bubble isolates them instead.

/** LRM/RLM, ALM, the embeddings and overrides (LRE…RLO) and the isolates (LRI…PDI). */
const BIDI_CONTROLS = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g;
/** The rest of C0/C1 and line breaks: a name is one line. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/** `name` with every bidi and control character replaced by U+FFFD, trimmed. */
export function neutraliseControls(name: string): string {
  return name.replace(BIDI_CONTROLS, '\uFFFD').replace(CONTROLS, '\uFFFD').trim();
}

/** A group's title as shown; a title of nothing visible still gets a name. */
export function displayGroupName(name: string): string {
  const cleaned = neutraliseControls(name);
  return cleaned === '' ? 'Unnamed group' : cleaned;
}

/**
 * A device's name as shown (its owner chose it; contacts see it in their "added a device" notice):
 * the device list refuses C0/C1 controls in it but not bidi controls, which could turn the rest of
 * the notice around ("\u202E…" read the safety-number sentence after it backwards).
 */
export function displayDeviceName(name: string): string {
  const cleaned = neutraliseControls(name);
  return cleaned === '' ? 'Unnamed device' : cleaned;
}

/**
 * `name` isolated inside a longer plain string (a timeline line, a preview): first-strong isolate
 * … pop directional isolate, the plain-text counterpart of <bdi>.
 */
export function isolateInText(name: string): string {
  return `\u2068${name}\u2069`;
}

/**
 * Characters of a message shown before "Show the whole message". A text may be 64 KiB, and
 * Chromium took half a minute to a minute to lay out one 64 KiB word after a space (suite 4), so a
 * conversation shows the first part of a long text and the rest only on request.
 */
export const LONG_TEXT_CHARS = 4000;

/** `text` cut to `max` UTF-16 units (never inside a surrogate pair), with "…" if it was cut. */
export function clipLongText(text: string, max = LONG_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
