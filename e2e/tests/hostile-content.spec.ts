// Suite 4 — hostile content in the browser. Over a thousand XSS and spoofing payloads
// (support/xss-corpus.ts) reach one person through the real stack: the suites' relay process,
// senders made with @veil/client in Node (support/hostile-senders.ts), and the recipient's PWA
// in Chromium. They arrive as message texts, display names, group titles (a create and a rename
// each), group messages and attachment file names; the PWA opens the chat list, every conversation
// (scrolled to its start), and the group with its info. Then a sample reaches the names of invite
// links, join requests and devices (support/hostile-name-surfaces.ts). Asserted: nothing ran (support/
// hostile-watch.ts), nothing navigated away, no CSP violation of our own code, every payload shown
// exactly as text with no element made from it, messages and names isolated from the bidi
// controls they carry and clipped to their bubble, and a display name that imitates another
// contact shown beside its own username. VEIL_SOAK=1 sends every payload on every field it fits.
import { expect, test, type Page } from '@playwright/test';
import { loadPrimitives } from '@veil/protocol';
import { checkNameSurfaces, NAME_SURFACES } from '../support/hostile-name-surfaces';
import { drained, newSender, sendFile, type Sender } from '../support/hostile-senders';
import { auditDom, watchHostileContent, type HostileWatch } from '../support/hostile-watch';
import { signUp, uniqueName } from '../support/veil-page';
import { fieldCorpus, messageCorpus, OVERSIZED, type Payload } from '../support/xss-corpus';

/** As web/src/lib/plain-text.ts: longer texts show this much until "Show the whole message". */
const LONG_TEXT_CHARS = 4000;
function clipped(text: string): string {
  if (text.length <= LONG_TEXT_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(LONG_TEXT_CHARS - 1))
    ? LONG_TEXT_CHARS - 1
    : LONG_TEXT_CHARS;
  return `${text.slice(0, end)}…`;
}

const SOAK = process.env.VEIL_SOAK !== undefined && process.env.VEIL_SOAK !== '0';
const SENDERS = 14;
/** Every n-th field payload is used on the smaller fields in CI mode (all of them when soaking). */
const FIELD_STRIDE = SOAK ? 1 : 9;
const FILE_STRIDE = SOAK ? 4 : 24;

/**
 * Payloads per message: the recipient answers every message with a delivery receipt, and the
 * relay allows one address 600 API requests a minute, so a thousand single-payload messages in a
 * minute would rate-limit the recipient's own PWA (a limit of the relay, not of rendering).
 */
const PER_MESSAGE = 4;

const marker = (surface: string, index: number): string =>
  `xm${surface}${String(index).padStart(4, '0')}q`;

interface Sent {
  readonly surface: string;
  readonly cls: string;
  readonly marker: string;
  readonly text: string;
}

const every = <T>(list: readonly T[], stride: number): T[] =>
  list.filter((_, i) => i % stride === 0);

function instances(surface: string, payloads: readonly Payload[]): Sent[] {
  return payloads.map((payload, i) => {
    const m = marker(surface, i);
    return { surface, cls: payload.cls, marker: m, text: payload.make(m) };
  });
}

/** Display names: one payload of each class that fits a name, the spoofing classes first. */
function namePayloads(count: number): Payload[] {
  const fitting = fieldCorpus({ bytes: 128, noControls: true }).filter(
    (p) => !p.cls.startsWith('encoded'),
  );
  const firstOfClass = [...new Map(fitting.reverse().map((p) => [p.cls, p])).values()].reverse();
  return firstOfClass.slice(-count);
}

/**
 * Packs payloads into message texts, a blank line apart, each within what the PWA shows before
 * "Show the whole message"; a longer one travels alone.
 */
function pack(list: readonly Sent[]): string[] {
  const out: Sent[][] = [];
  for (const sent of list) {
    const last = out.at(-1);
    const size = last?.reduce((sum, s) => sum + s.text.length + 2, 0) ?? 0;
    if (
      last !== undefined &&
      last.length < PER_MESSAGE &&
      size + sent.text.length <= LONG_TEXT_CHARS
    )
      last.push(sent);
    else out.push([sent]);
  }
  return out.map((group) => group.map((s) => s.text).join('\n\n'));
}

const debug = (what: string): void => {
  if (process.env.VEIL_E2E_DEBUG !== undefined) console.log(`${new Date().toISOString()} ${what}`);
};

/** Opens a conversation from the chat list and scrolls up until all `expected` rows are loaded. */
async function openAll(page: Page, href: string, expected: number): Promise<void> {
  await page.locator(`a[href="${href}"]`).first().click();
  const rows = page.locator('ol.history > li');
  await expect(async () => {
    await page.evaluate(() => (document.scrollingElement!.scrollTop = 0));
    const count = await rows.count();
    debug(`${href}: ${count} of ${expected} rows`);
    expect(count).toBeGreaterThanOrEqual(expected);
  }).toPass({ timeout: 90_000, intervals: [100, 250, 500] });
}

interface Row {
  readonly text: string | null;
  readonly file: string | null;
  readonly isolated: boolean;
  /** The text clips what it paints, and the bubble stays within the page's width. */
  readonly contained: boolean;
  readonly showMore: boolean;
}

function readRows(page: Page): Promise<Row[]> {
  return page.locator('ol.history > li').evaluateAll((items) =>
    items.map((li) => {
      const text = li.querySelector('.text');
      const bidi = text === null ? '' : getComputedStyle(text).unicodeBidi;
      // The text clips what it paints (the bubble itself must not: its actions menu opens over
      // the neighbours); the bubble stays within the page's width.
      const style = text === null ? null : getComputedStyle(text);
      return {
        text: text?.textContent ?? null,
        file: li.querySelector('bdi.name')?.textContent ?? null,
        isolated: text === null || bidi === 'isolate' || bidi === 'plaintext',
        contained:
          (style === null || (style.overflowX !== 'visible' && style.overflowY !== 'visible')) &&
          li.getBoundingClientRect().right <= document.documentElement.clientWidth,
        showMore: li.querySelector('button.show-more') !== null,
      };
    }),
  );
}

/** Every n-th message payload is looked up with the search field (by its marker). */
const SEARCH_STRIDE = SOAK ? 10 : 80;

interface SnippetCheck {
  readonly marker: string;
  /** A hit's snippet holds the marker. */
  readonly found: boolean;
  /** Elements in the snippets other than the search's own <mark>s (holding text only). */
  readonly foreign: string[];
}

/**
 * Searches the whole history for each payload's marker from the chat list: the hits' snippets are
 * excerpts of hostile texts, with the matching words marked.
 */
async function searchSnippets(page: Page, payloads: readonly Sent[]): Promise<SnippetCheck[]> {
  const field = page.getByRole('searchbox', { name: 'Search messages' });
  const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  const out: SnippetCheck[] = [];
  for (const sent of payloads) {
    await field.fill(sent.marker);
    const hit = results.filter({ hasText: sent.marker });
    const found = await hit
      .first()
      .waitFor({ timeout: 15_000 })
      .then(
        () => true,
        () => false,
      );
    const foreign = await page
      .locator('#search-results .snippet')
      .evaluateAll((snippets) =>
        snippets.flatMap((snippet) =>
          [...snippet.querySelectorAll('*')]
            .filter((el) => el.tagName !== 'MARK' || el.children.length > 0)
            .map((el) => el.outerHTML.slice(0, 120)),
        ),
      );
    out.push({ marker: sent.marker, found, foreign });
  }
  await field.fill('');
  return out;
}

/** The senders that reply to, react to and edit their own hostile messages. */
const QUOTING = 4;
const REACTING = 5;
const EDITING = 6;
/** Replies, reactions and edits: a sample of the corpus (they share the spec's time budget). */
const ACTION_STRIDE = SOAK ? 1 : 11;
const EDITED_MESSAGES = SOAK ? 12 : 4;

interface Actions {
  readonly replies: { sent: Sent; quotedText: string }[];
  readonly reactions: Sent[];
  readonly edits: { versions: Sent[] }[];
  quotesShown: string[];
  chipsShown: string[];
  historiesShown: string[][];
}

/**
 * One sender answers each of its own hostile messages with a reply (a payload too), so the PWA
 * quotes the hostile original; one reacts to each of its messages with a payload that fits the
 * 32-byte emoji field; one sends plain messages and edits each twice, to payloads.
 */
async function sendActions(
  senders: readonly Sender[],
  sentIds: readonly string[][],
  victim: string,
): Promise<Actions> {
  const quoting = senders[QUOTING]!;
  const originals = await quoting.messenger.history(victim, { limit: 5000 });
  const textOf = new Map(originals.map((m) => [m.value.id, m.value.text]));
  const replyPayloads = instances('q', every(messageCorpus(), ACTION_STRIDE));
  const replies = sentIds[QUOTING]!.slice(0, replyPayloads.length).map((id, k) => ({
    id,
    sent: replyPayloads[k]!,
    quotedText: textOf.get(id)!,
  }));
  for (const reply of replies) await quoting.messenger.sendText(victim, reply.sent.text, reply.id);

  const emoji = instances('e', fieldCorpus({ bytes: 32 }));
  const reacting = senders[REACTING]!;
  const reactions = sentIds[REACTING]!.slice(0, emoji.length).map((id, k) => ({
    id,
    sent: emoji[k]!,
  }));
  for (const { id, sent } of reactions) await reacting.messenger.react(victim, id, sent.text);

  const editing = senders[EDITING]!;
  const editPayloads = instances('h', every(fieldCorpus({ bytes: 2000 }), ACTION_STRIDE));
  const edits: { versions: Sent[] }[] = [];
  for (let k = 0; k < EDITED_MESSAGES && 2 * k + 1 < editPayloads.length; k++) {
    const message = await editing.messenger.sendText(victim, `to be edited ${k}`);
    const versions = [editPayloads[2 * k]!, editPayloads[2 * k + 1]!];
    for (const version of versions) await editing.messenger.edit(victim, message.id, version.text);
    edits.push({ versions });
  }
  return {
    replies: replies.map(({ sent, quotedText }) => ({ sent, quotedText })),
    reactions: reactions.map((r) => r.sent),
    edits,
    quotesShown: [],
    chipsShown: [],
    historiesShown: [],
  };
}

function readQuotes(page: Page): Promise<string[]> {
  return page
    .locator('ol.history > li .quote .excerpt')
    .evaluateAll((items) => items.map((el) => el.textContent));
}

function readChips(page: Page): Promise<string[]> {
  return page
    .locator('ol.history > li .reactions .chip')
    .evaluateAll((items) => items.map((el) => el.textContent));
}

/** Opens the edit history of every edited message: each version's text, oldest first. */
async function readHistories(page: Page): Promise<string[][]> {
  const out: string[][] = [];
  const marks = page.locator('ol.history > li button.edited');
  for (let k = 0; k < (await marks.count()); k++) {
    await marks.nth(k).click();
    const dialog = page.getByRole('dialog', { name: 'Edit history' });
    await expect(dialog).toBeVisible();
    const audit = await auditDom(page, 'dialog .text');
    expect(audit).toEqual({ elementsInText: [], dangerous: [], handlers: [] });
    out.push(
      await dialog.locator('li .text').evaluateAll((items) => items.map((el) => el.textContent)),
    );
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  }
  return out;
}

test('a thousand hostile payloads render as text: nothing runs, nothing spoofs a sender', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(SOAK ? 1_200_000 : 600_000);
  const origin = baseURL!;
  const p = await loadPrimitives();
  const victimName = uniqueName('victim');
  let watch!: HostileWatch;
  const page = await signUp(browser, victimName, origin, async (context, first) => {
    watch = await watchHostileContent(context, origin);
    watch.watchPage(first);
  });

  debug('victim signed up');
  // The senders: an honest "Bob", an impostor whose display name is "Bоb" (a Cyrillic о), and the
  // rest with hostile display names.
  const names = instances('n', namePayloads(SENDERS - 2));
  const displayNames = ['Bob', `Bоb`, ...names.map((n) => n.text)].slice(0, SENDERS);
  const senders: Sender[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const sender = await newSender(p, { baseUrl: origin, origin }, uniqueName(`s${i}`), i);
    await sender.addContact(victimName);
    senders.push(sender);
  }
  debug('senders created');
  for (const sender of senders) {
    await page.getByLabel('Add a contact by username').fill(sender.name);
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByText(`${sender.name} added`)).toBeVisible();
  }
  await Promise.all(
    senders.map((s, i) => s.setProfile({ displayName: displayNames[i]!, avatar: null })),
  );

  debug('contacts added, profiles sent');
  // Message texts, spread over the senders' conversations.
  const texts = instances('t', messageCorpus());
  const bySender = senders.map((_, i) => pack(texts.filter((_, j) => j % SENDERS === i)));
  const sentIds = await Promise.all(
    senders.map(async (s, i) => {
      const ids: string[] = [];
      for (const text of bySender[i]!) ids.push((await s.messenger.sendText(victimName, text)).id);
      return ids;
    }),
  );
  debug('texts sent');
  const actions = await sendActions(senders, sentIds, victimName);
  debug('replies, reactions and edits sent');
  // A 100 KiB text is over the protocol's 64 KiB: refused before it is stored or sent.
  const oversized = await senders[0]!.messenger.sendText(victimName, OVERSIZED('xmo0000q')).then(
    () => false,
    () => true,
  );

  // File names: a few attachments from each of two senders (the relay allows 60 blobs a minute).
  const files = instances('f', every(fieldCorpus({ bytes: 255 }), FILE_STRIDE));
  await Promise.all(
    [senders[2]!, senders[3]!].map(async (s, k) => {
      for (const [i, sent] of files.entries())
        if (i % 2 === k) await sendFile(s, victimName, sent.text, i);
    }),
  );

  // Group titles (one create, then a rename each) and group messages, from the honest Bob.
  const titles = instances('g', every(fieldCorpus({ bytes: 256 }), FIELD_STRIDE));
  const groupTexts = instances('m', every(messageCorpus(), FIELD_STRIDE));
  const bob = senders[0]!;
  const groupId = await bob.groups.create(titles[0]!.text, [victimName]);
  for (const title of titles.slice(1)) await bob.groups.rename(groupId, title.text);
  const groupMessages = pack(groupTexts);
  for (const text of groupMessages) await bob.groups.sendText(groupId, text);
  debug('group sent');
  await Promise.all(senders.map((s) => drained(s, victimName)));
  debug('outboxes drained');

  // — the recipient's PWA: the chat list first.
  const list = page.getByRole('list', { name: 'Conversations' });
  for (const [i, sender] of senders.entries()) {
    const row = list.locator(`a[href="/chats/${sender.name}"]`);
    await expect(row).toContainText(`@${sender.name}`, { timeout: 30_000 });
    // The display name is isolated text (bdi), exactly as chosen, beside the username.
    await expect(row.locator('bdi.display-name')).toHaveText(displayNames[i]!.trim());
  }
  // The impostor's row cannot pass for Bob's: each shows its own username.
  const bobRow = await list.locator(`a[href="/chats/${senders[0]!.name}"]`).textContent();
  const impostorRow = await list.locator(`a[href="/chats/${senders[1]!.name}"]`).textContent();
  expect(impostorRow).not.toContain(senders[0]!.name);
  expect(bobRow).not.toEqual(impostorRow);
  const audits = [await auditDom(page, '.list .last bdi, .display-name, .groups .name bdi')];

  debug('chat list checked');
  // Every conversation, scrolled to its start.
  const shown = new Set<string>();
  const layout = { notIsolated: 0, notContained: 0, longWithoutShowMore: 0 };
  for (const [i, sender] of senders.entries()) {
    const fileCount = i === 2 || i === 3 ? files.filter((_, j) => j % 2 === i - 2).length : 0;
    const extra = i === QUOTING ? actions.replies.length : i === EDITING ? actions.edits.length : 0;
    await openAll(page, `/chats/${sender.name}`, bySender[i]!.length + fileCount + extra);
    if (i === QUOTING) actions.quotesShown = await readQuotes(page);
    if (i === REACTING) actions.chipsShown = await readChips(page);
    if (i === EDITING) actions.historiesShown = await readHistories(page);
    for (const row of await readRows(page)) {
      if (row.text !== null) shown.add(row.text);
      if (row.file !== null) shown.add(`file:${row.file}`);
      if (!row.isolated) layout.notIsolated++;
      if (!row.contained) layout.notContained++;
      if (row.text?.endsWith('…') === true && row.text.length > LONG_TEXT_CHARS && !row.showMore)
        layout.longWithoutShowMore++;
    }
    audits.push(
      await auditDom(
        page,
        '.history .text, .history bdi, h1 .display-name, .history .quote .excerpt, .history .chip',
      ),
    );
    await page.getByRole('link', { name: '← Chats' }).click();
    debug(`conversation ${i} checked`);
  }

  // The group: its final title, the timeline of every rename, its messages, and its info.
  await page.locator(`a[href="/groups/${groupId}"]`).click();
  await expect(page.locator('ol.history > li')).toHaveCount(titles.length + groupMessages.length, {
    timeout: 30_000,
  });
  const groupPage = (await page.locator('main, body').first().textContent()) ?? '';
  for (const row of await readRows(page)) if (row.text !== null) shown.add(row.text);
  audits.push(
    await auditDom(
      page,
      '.history .text, .history .author bdi, .history li.event, h1 bdi, .info .who',
    ),
  );
  await page.getByRole('link', { name: 'Back to chats' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  // Payloads whose marker stands as a word of its own (not split by zero-width characters or
  // %-escaped): what a search for it must find.
  const searchable = texts.filter((t) =>
    new RegExp(`(^|[^\\p{L}\\p{N}])${t.marker}($|[^\\p{L}\\p{N}])`, 'u').test(t.text),
  );
  const snippets = await searchSnippets(page, every(searchable, SEARCH_STRIDE));
  debug('search snippets checked');
  // Invite links, join requests and device names (support/hostile-name-surfaces.ts).
  const named = await checkNameSurfaces({
    p,
    page,
    origin,
    victimName,
    senders,
    groupId,
    soak: SOAK,
  });
  audits.push(...named.audits);
  debug('invite and device names checked');

  // — the verdict.
  const shownText = [...shown].filter((t) => !t.startsWith('file:'));
  // A payload is in some message's text, whole — or, in a message clipped for length, as far as
  // the clip goes (its marker comes first).
  const asText = (s: Sent): boolean =>
    shownText.some((t) => t.includes(s.text) || (t.endsWith('…') && t.includes(s.marker)));
  const messagesNotExact = [...bySender.flat(), ...groupMessages].filter(
    (t) => !shown.has(clipped(t)),
  );
  expect(messagesNotExact.length).toBe(0);
  const missing: Sent[] = [
    ...texts.filter((s) => !asText(s)),
    ...groupTexts.filter((s) => !asText(s)),
    ...files.filter((s) => ![...shown].some((t) => t.startsWith('file:') && t.includes(s.marker))),
    ...titles.filter((s) => !groupPage.includes(s.marker)),
  ];
  const nameSent = names.slice(0, SENDERS - 2);
  // Replies (their text, and the quote of the hostile original), reactions, edits and every
  // version in each edit history, exactly as sent.
  const replyTexts = actions.replies.map((r) => r.sent);
  missing.push(...replyTexts.filter((s) => !asText(s)));
  // An edited bubble shows the latest version; the history dialog shows every one (checked below).
  missing.push(...actions.edits.map((e) => e.versions.at(-1)!).filter((s) => !asText(s)));
  const quotesNotExact = actions.replies.filter((r) => !actions.quotesShown.includes(r.quotedText));
  const chipsNotExact = actions.reactions.filter(
    (r) => !actions.chipsShown.some((chip) => chip === `${r.text} 1`),
  );
  const historiesNotExact = actions.edits.filter(
    (e) =>
      !actions.historiesShown.some(
        (h) =>
          h.length === e.versions.length + 1 && e.versions.every((v, k) => h[k + 1] === v.text),
      ),
  );
  expect({ quotesNotExact, chipsNotExact, historiesNotExact }).toEqual({
    quotesNotExact: [],
    chipsNotExact: [],
    historiesNotExact: [],
  });
  // Search snippets: each search for a payload's marker found it, as text, with only <mark>s made.
  expect(snippets.filter((r) => !r.found || r.foreign.length > 0)).toEqual([]);
  const actionSent = [
    ...replyTexts,
    ...actions.reactions,
    ...actions.edits.flatMap((e) => e.versions),
  ];
  const all = [
    ...texts,
    ...groupTexts,
    ...files,
    ...titles,
    ...nameSent,
    ...actionSent,
    ...named.sent,
  ];
  printTable(all, watch, {
    oversized,
    missing: missing.length,
    quotes: actions.quotesShown.length,
    searched: snippets.length,
  });
  expect(watch.executed).toEqual([]);
  expect(watch.fetched).toEqual([]);
  expect(watch.navigatedAway).toEqual([]);
  expect(watch.popups).toEqual([]);
  expect(watch.cspOurs).toEqual([]);
  expect(missing.map((s) => s.marker)).toEqual([]);
  // Each invite and device name exactly as chosen (bidi controls replaced), isolated, text only;
  // a join request names its requester by username, whatever display name they chose.
  expect(named.problems).toEqual([]);
  expect([...named.requestsShown].sort()).toEqual([...named.requesters].sort());
  for (const audit of audits) {
    expect(audit.elementsInText).toEqual([]);
    expect(audit.dangerous).toEqual([]);
    expect(audit.handlers).toEqual([]);
  }
  expect(layout).toEqual({ notIsolated: 0, notContained: 0, longWithoutShowMore: 0 });
  expect(oversized).toBe(true);
  expect(all.length).toBeGreaterThanOrEqual(1000);
  for (const s of senders) s.stop();
});

function printTable(
  all: readonly Sent[],
  watch: HostileWatch,
  extra: { oversized: boolean; missing: number; quotes: number; searched: number },
): void {
  const row = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  const classes = new Map<string, Sent[]>();
  for (const sent of all) classes.set(sent.cls, [...(classes.get(sent.cls) ?? []), sent]);
  const hits = (list: readonly Sent[], texts: readonly string[]): number =>
    list.filter((s) => texts.some((t) => t.includes(s.marker))).length;
  const csp = watch.cspByPayload.map((v) => `${v.blocked} ${v.sample}`);
  const lines = [
    row(['Hostile content: attack class', 'payloads', 'executed', 'CSP hits blocked']),
    row(['---', '---:', '---:', '---:']),
  ];
  for (const [cls, list] of classes)
    lines.push(
      row([cls, list.length, hits(list, [...watch.executed, ...watch.fetched]), hits(list, csp)]),
    );
  lines.push(row(['**all**', all.length, watch.executed.length, watch.cspByPayload.length]));
  lines.push('', row(['surface', 'payloads']), row(['---', '---:']));
  const surfaces: Record<string, string> = {
    t: 'message text',
    m: 'group message',
    g: 'group title (create, renames)',
    f: 'attachment file name',
    n: 'display name',
    q: 'reply (its text; the quote shows a hostile original)',
    e: 'reaction (emoji field)',
    h: 'edit (every version, in the bubble and the edit history)',
    ...NAME_SURFACES,
  };
  for (const [key, label] of Object.entries(surfaces))
    lines.push(row([label, all.filter((s) => s.surface === key).length]));
  lines.push(
    '',
    `our own CSP violations: ${watch.cspOurs.length}; navigations away: ${watch.navigatedAway.length}; ` +
      `popups: ${watch.popups.length}; payloads not shown as text: ${extra.missing}; ` +
      `reply quotes of hostile originals shown exactly: ${extra.quotes}; ` +
      `payloads found by search, snippets as text: ${extra.searched}; ` +
      `100 KiB text refused before sending: ${extra.oversized ? 'yes' : 'no'}`,
  );
  console.log(lines.join('\n'));
}
