// The names of suite 4's account and invite surfaces (tests/hostile-content.spec.ts): device names
// (a device's own list, a contact's "added a device" notice) and invite links (the join page's group
// name, the links it refuses, an admin's join requests). Node makes what a hostile person would —
// devices added to an account under a payload's name, invite links naming a payload as the group or
// as its admins — and the browser steps read each name back with how it is laid out.
import type { Page } from '@playwright/test';
import { previewInvite, RelayHttp, VeilDevice } from '@veil/client';
import { testDatabase, TEST_STRETCHING } from '@veil/client/test-support';
import {
  encodeInviteLink,
  ProtocolError,
  toBase64Url,
  type Ed25519PublicKey,
  type Primitives,
} from '@veil/protocol';
import type { Payload } from './xss-corpus';

/**
 * Adds a device named `deviceName` to an existing account, signing in with its password from its
 * own forwarded address (as a second browser of that person would). `opaqueStretching: 'default'`
 * for an account made in the PWA, whose password file used the library's stretching.
 */
export function addNamedDevice(
  p: Primitives,
  relay: { baseUrl: string; origin: string; forwardedFor: string },
  options: {
    username: string;
    password: string;
    deviceName: string;
    opaqueStretching?: 'default' | 'test';
  },
): Promise<VeilDevice> {
  const { forwardedFor } = relay;
  const http = new RelayHttp({
    baseUrl: relay.baseUrl,
    origin: relay.origin,
    fetch: (url, init) =>
      fetch(url, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': forwardedFor },
      }),
  });
  return VeilDevice.addToAccount({
    p,
    db: testDatabase(options.username),
    http,
    username: options.username,
    password: options.password,
    deviceName: options.deviceName,
    ...(options.opaqueStretching === 'default' ? {} : { keyStretching: TEST_STRETCHING }),
  });
}

/**
 * An invite link's fragment as anyone can make one: a made-up group under `name`, asking `admins`
 * (made-up accounts, any 1..64-byte ids: the encoding takes them). The join page shows both before
 * anything is verified — when every admin is an account id, named once; otherwise it refuses it.
 */
export function craftedInviteFragment(
  p: Primitives,
  options: { name: string; admins: readonly string[] },
): string {
  const payload = encodeInviteLink({
    groupId: p.randomBytes(16),
    secret: p.randomBytes(32),
    name: options.name,
    admins: options.admins.map((accountId) => ({
      accountId,
      accountKey: p.randomBytes(32) as Ed25519PublicKey,
    })),
  });
  return toBase64Url(payload);
}

/**
 * How the client, as the join page calls it (`previewInvite`), answers a link's fragment: the
 * ProtocolError code it refuses it with, or null when it takes it.
 */
export function inviteRefusal(fragment: string): string | null {
  try {
    previewInvite(fragment);
    return null;
  } catch (error) {
    return error instanceof ProtocolError ? error.code : String(error);
  }
}

/**
 * Navigates inside the running app (SvelteKit's router takes the click), so the vault stays
 * unlocked: `page.goto` would load the app afresh, locked, as opening a link in a new tab does.
 */
export async function navigateInApp(page: Page, href: string): Promise<void> {
  await page.evaluate((target) => {
    const a = document.createElement('a');
    a.href = target;
    a.textContent = 'suite 4 navigation';
    document.body.append(a);
    a.click();
    a.remove();
  }, href);
}

/** A name as the page shows it: its text and whether it is laid out apart from its neighbours. */
export interface ShownName {
  readonly text: string;
  /** `unicode-bidi: isolate` (a <bdi>) or `plaintext`: its direction cannot spill over. */
  readonly isolated: boolean;
  /** Elements inside it (there must be none: it is text). */
  readonly elements: number;
}

export function readNames(page: Page, selector: string): Promise<ShownName[]> {
  return page.locator(selector).evaluateAll((items) =>
    items.map((el) => {
      const bidi = getComputedStyle(el).unicodeBidi;
      return {
        text: el.textContent,
        isolated: bidi === 'isolate' || bidi === 'plaintext',
        elements: el.querySelectorAll('*').length,
      };
    }),
  );
}

/**
 * As web/src/lib/plain-text.ts shows a name another person chose (the PWA is not imported here):
 * every bidi control, C0/C1 control and line separator replaced by U+FFFD, trimmed.
 */
export function shownAs(name: string): string {
  return (
    name
      .replace(/[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g, '\uFFFD')
      // eslint-disable-next-line no-control-regex -- replacing control characters is the point
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, '\uFFFD')
      .trim()
  );
}

/** A deterministic PRNG (mulberry32): the same sample on every run, from the seed alone. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `perClass` payloads of every attack class in `list` (all of a class that has fewer), picked with
 * a seeded PRNG, the classes in corpus order: every class is represented and the run is repeatable.
 */
export function samplePerClass(
  list: readonly Payload[],
  perClass: number,
  seed: number,
): Payload[] {
  const random = seeded(seed);
  const byClass = new Map<string, Payload[]>();
  for (const payload of list)
    byClass.set(payload.cls, [...(byClass.get(payload.cls) ?? []), payload]);
  return [...byClass.values()].flatMap((members) => {
    const pool = [...members];
    const picked: Payload[] = [];
    while (picked.length < perClass && pool.length > 0)
      picked.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
    return picked;
  });
}
