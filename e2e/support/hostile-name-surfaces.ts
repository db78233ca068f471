// Suite 4's account and invite surfaces (tests/hostile-content.spec.ts runs this on the victim's
// page once the messages are checked): a sample of the corpus as
//   - group names of invite links opened on the join page (links anyone can make), and links naming
//     hostile admin ids, which the join page must refuse whole,
//   - the name of a real group whose link the victim follows, asks, and is declined,
//   - join requests an admin (the victim) is shown, from senders with hostile display names,
//   - device names: the devices contacts add (their "added a device" notice) and the victim's own
//     devices in Account → Devices (one renamed in the PWA, one renamed by the other device).
// Each name must show as text, isolated, its bidi controls neutralised, beside whose it is; a refused
// link must show nothing of itself.
import { expect, type Page } from '@playwright/test';
import type { Primitives } from '@veil/protocol';
import type { Sender } from './hostile-senders';
import { auditDom, type DomAudit } from './hostile-watch';
import {
  addNamedDevice,
  craftedInviteFragment,
  inviteRefusal,
  navigateInApp,
  readNames,
  samplePerClass,
  shownAs,
  type ShownName,
} from './hostile-names';
import { passwordOf } from './veil-page';
import { fieldCorpus, type Payload } from './xss-corpus';

export interface NamedSent {
  readonly surface: string;
  readonly cls: string;
  readonly marker: string;
  readonly text: string;
}

export interface NameSurfacesResult {
  readonly sent: NamedSent[];
  /** Each name not shown exactly (as text, neutralised), or not isolated: what and where. */
  readonly problems: string[];
  readonly audits: DomAudit[];
  /** Join requests listed to the admin, by requester username (must be exactly the requesters). */
  readonly requestsShown: string[];
  readonly requesters: string[];
}

export const NAME_SURFACES: Record<string, string> = {
  j: 'join page: group name of an invite link',
  a: 'join page: links naming hostile admin ids, refused',
  l: 'join page: a real group, asked and declined',
  v: "device name in a contact's “added a device” notice",
  d: 'device name in Account → Devices (renamed here and by the other device)',
};

const debug = (what: string): void => {
  if (process.env.VEIL_E2E_DEBUG !== undefined) console.log(`${new Date().toISOString()} ${what}`);
};

const marker = (surface: string, index: number): string =>
  `xm${surface}${String(index).padStart(4, '0')}q`;

function instances(surface: string, payloads: readonly Payload[]): NamedSent[] {
  return payloads.map((payload, i) => {
    const m = marker(surface, i);
    return { surface, cls: payload.cls, marker: m, text: payload.make(m) };
  });
}

/** Seeds of the samples: fixed, so every run shows the same payloads. */
const SEED = { titles: 4401, admins: 4402, devices: 4403, real: 4404 };
/** The senders that add devices under hostile names, two each (their victim sees a notice). */
const DEVICE_ADDERS = [7, 8, 9];
const DEVICES_EACH = 2;
/** The senders that ask to join the victim's group through its link. */
const REQUESTERS = [10, 11, 12, 13];
/** Invite links made up and opened on the join page in CI mode (group names shown). */
const LINKS = 7;
/** The one admin those links name: an account id, as a relay could have handed it out. */
const VALID_ADMIN = 'nobody';
/** Hostile admin ids per refused link: as many as a link can name (LIMITS.maxInviteAdmins). */
const ADMINS_PER_REFUSED_LINK = 8;
/** The classes the links' group names are taken from first: the spoofs, then script and handlers. */
const TITLE_CLASSES = [
  'bidi controls',
  'bidi-wrapped',
  'zero-width joiners',
  'homoglyph',
  'fake sender lines',
  'script tags',
  'event handlers',
];

interface Context {
  readonly p: Primitives;
  readonly page: Page;
  readonly origin: string;
  readonly victimName: string;
  readonly senders: readonly Sender[];
  /** Bob's group, of which the victim is a member: Bob makes the victim an admin of it. */
  readonly groupId: string;
  readonly soak: boolean;
}

/** Opens the join page on a link (inside the unlocked app). */
const openJoinPage = (page: Page, fragment: string): Promise<void> =>
  navigateInApp(page, `/join#${fragment}`);

/** Away from the join page, which reads its link once, when it opens. /link is the lightest. */
async function leaveJoinPage(page: Page): Promise<void> {
  await navigateInApp(page, '/link');
  await page.getByText('This browser already holds Veil').waitFor();
}

const checkName = (problems: string[], where: string, sent: NamedSent, shown?: ShownName): void => {
  if (shown === undefined) problems.push(`${where}: ${sent.marker} not shown`);
  else if (shown.text !== shownAs(sent.text) || shown.elements > 0 || !shown.isolated)
    problems.push(`${where}: ${sent.marker} shown as ${JSON.stringify(shown)}`);
};

/** Checks each of `sent` against the shown name that holds its marker. */
const checkAmong = (
  problems: string[],
  where: string,
  sent: readonly NamedSent[],
  shown: readonly ShownName[],
): void => {
  for (const one of sent)
    checkName(
      problems,
      where,
      one,
      shown.find((s) => s.text.includes(one.marker)),
    );
};

/**
 * Device names: one payload of every class that fits a device name (64 bytes, no control
 * characters), seeded; the first go to contacts' new devices, the rest to the victim's own.
 */
function deviceNames(soak: boolean): NamedSent[] {
  const fitting = fieldCorpus({ bytes: 64, noControls: true });
  return instances('d', soak ? fitting : samplePerClass(fitting, 1, SEED.devices));
}

export async function checkNameSurfaces(ctx: Context): Promise<NameSurfacesResult> {
  const { p, page, origin, victimName, senders } = ctx;
  const problems: string[] = [];
  const audits: DomAudit[] = [];
  const relay = (k: number) => ({ baseUrl: origin, origin, forwardedFor: `10.45.0.${k + 1}` });

  // — Node, started at once: contacts add devices under hostile names; the victim gets a second
  // device (as a person would from another browser); Bob hands the victim his group's link.
  const names = deviceNames(ctx.soak);
  const noticed = names
    .slice(0, DEVICE_ADDERS.length * DEVICES_EACH)
    .map((s) => ({ ...s, surface: 'v' }));
  const own = names.slice(noticed.length);
  const addedDevices = Promise.all(
    DEVICE_ADDERS.map(async (index, k) => {
      const sender = senders[index]!;
      for (const sent of noticed.slice(k * DEVICES_EACH, (k + 1) * DEVICES_EACH))
        await addNamedDevice(p, relay(k), {
          username: sender.name,
          password: `${sender.name} password`,
          deviceName: sent.text,
        });
    }),
  );
  const otherDevice = addNamedDevice(p, relay(9), {
    username: victimName,
    password: passwordOf(victimName),
    deviceName: own[0]!.text,
    opaqueStretching: 'default',
  });
  const bob = senders[0]!;
  const bobLink = (async () => {
    await bob.groups.promote(ctx.groupId, victimName);
    const link = await bob.groups.invites.createLink(ctx.groupId, origin);
    for (const index of REQUESTERS) await senders[index]!.groups.invites.requestJoin(link);
    return link;
  })();
  // A real group the victim is not in, whose admin (sender 6) declines the victim's request.
  const realTitle = instances(
    'l',
    samplePerClass(fieldCorpus({ bytes: 256 }), 1, SEED.real).filter((s) =>
      s.cls.startsWith('bidi controls'),
    ),
  )[0]!;
  const decliner = senders[6]!;
  // Awaited later; a failure meanwhile is reported there, not as an unhandled rejection.
  for (const work of [addedDevices, otherDevice, bobLink]) work.catch(() => undefined);
  const realGroup = await decliner.groups.create(realTitle.text, []);
  const realLink = await decliner.groups.invites.createLink(realGroup, origin);

  debug('names: real group made');
  // — the join page, for links anyone can make: the group's name is shown as its maker chose it.
  // Seven links (the browser's time is what this costs), each naming a group — one payload of each
  // spoofing class that fits a group name, then script tags and event handlers — and one admin
  // whose id is an account id.
  const titleSample = samplePerClass(fieldCorpus({ bytes: 256 }), ctx.soak ? 4 : 1, SEED.titles);
  const rank = (cls: string): number => {
    const k = TITLE_CLASSES.findIndex((prefix) => cls.startsWith(prefix));
    return k === -1 ? TITLE_CLASSES.length : k;
  };
  const titles = instances(
    'j',
    ctx.soak
      ? titleSample
      : titleSample
          .filter((t) => rank(t.cls) < TITLE_CLASSES.length)
          .sort((a, b) => rank(a.cls) - rank(b.cls))
          .slice(0, LINKS),
  );
  for (const [i, title] of titles.entries()) {
    const fragment = craftedInviteFragment(p, { name: title.text, admins: [VALID_ADMIN] });
    await openJoinPage(page, fragment);
    // waitFor, not expect: it waits in the page, without expect's back-off between retries.
    await page.getByRole('button', { name: 'Ask to join' }).waitFor();
    checkName(problems, 'join page name', title, (await readNames(page, '.name bdi'))[0]);
    const shownAdmins = await readNames(page, '.admins bdi');
    if (
      shownAdmins.length !== 1 ||
      shownAdmins[0]?.text !== VALID_ADMIN ||
      !shownAdmins[0].isolated
    )
      problems.push(
        `join page admins: ${title.marker}'s link shows ${JSON.stringify(shownAdmins)}`,
      );
    if (i === 0) audits.push(await auditDom(page, '.name bdi, .admins bdi'));
    await leaveJoinPage(page);
    debug(`names: link ${String(i)} shown`);
  }

  debug('names: crafted links shown');
  // — links naming hostile admin ids: an invite link's admins must be account ids, each named once,
  // or the client refuses the link whole. Two payloads of each class that fits an account id's 64
  // bytes (eight of each when soaking): each alone makes the join page's own previewInvite refuse a
  // link (checked in Node, no page needed); in the browser, links of eight of them each, and one
  // naming a valid admin twice, show the "not valid" alert, no "Ask to join", and nothing of the
  // link — no marker of its admins or of its group's name anywhere in the document.
  const adminSample = samplePerClass(fieldCorpus({ bytes: 64 }), ctx.soak ? 8 : 2, SEED.admins);
  const admins = instances('a', adminSample);
  for (const admin of admins) {
    const refusal = inviteRefusal(craftedInviteFragment(p, { name: 'x', admins: [admin.text] }));
    if (refusal !== 'MALFORMED')
      problems.push(`refused links: ${admin.marker} (${admin.cls}) alone: ${String(refusal)}`);
  }
  const refusedLinks = Array.from(
    { length: Math.ceil(admins.length / ADMINS_PER_REFUSED_LINK) },
    (_, k) => admins.slice(k * ADMINS_PER_REFUSED_LINK, (k + 1) * ADMINS_PER_REFUSED_LINK),
  ).map((some) => ({ ids: some.map((a) => a.text), markers: some.map((a) => a.marker) }));
  refusedLinks.push({ ids: [VALID_ADMIN, VALID_ADMIN], markers: [] });
  for (const [k, link] of refusedLinks.entries()) {
    // The group's name is a marker too: a refused link shows no part of itself.
    const name = `Refused ${marker('r', k)}`;
    const fragment = craftedInviteFragment(p, { name, admins: link.ids });
    await openJoinPage(page, fragment);
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    const asks = await page.getByRole('button', { name: 'Ask to join' }).count();
    const html = await page.content();
    const leaked = [marker('r', k), ...link.markers].filter((m) => html.includes(m));
    if (asks > 0 || leaked.length > 0)
      problems.push(`refused link ${String(k)}: ${String(asks)} asks, shows ${leaked.join(' ')}`);
    if (k === 0) audits.push(await auditDom(page, '[role="alert"]'));
    await leaveJoinPage(page);
  }

  debug('names: refused links refused');
  // — a real link: the victim asks, its admin declines, the page says so under the group's name.
  await navigateInApp(page, `/join#${realLink.split('#')[1]!}`);
  await expect(page.getByRole('button', { name: 'Ask to join' })).toBeVisible();
  checkName(problems, 'real link name', realTitle, (await readNames(page, '.name bdi'))[0]);
  await page.getByRole('button', { name: 'Ask to join' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Request sent' })).toBeVisible();
  await expect(async () => {
    const pending = await decliner.groups.invites.pending(realGroup);
    expect(pending.map((r) => r.accountId)).toContain(victimName);
  }).toPass({ timeout: 20_000 });
  await decliner.groups.invites.decline(realGroup, victimName);
  const declined = page.getByRole('status').filter({ hasText: 'was declined by' });
  await expect(declined).toBeVisible({ timeout: 20_000 });
  checkName(problems, 'declined notice', realTitle, (await readNames(page, '.declined bdi'))[0]);
  audits.push(await auditDom(page, '.name bdi, .admins bdi, .declined bdi'));

  debug('names: real link declined');
  // — the victim as an admin of Bob's group: the requests, by username, never by display name.
  await bobLink;
  await navigateInApp(page, `/groups/${ctx.groupId}`);
  const who = page.locator('.requests .who');
  await expect(who).toHaveCount(REQUESTERS.length, { timeout: 20_000 });
  const requestsShown = await who.allTextContents();
  audits.push(await auditDom(page, '.requests .who, .info .who'));

  debug('names: join requests shown');
  // — contacts' new devices: each conversation's notice names them, isolated, after whose they are.
  await addedDevices;
  for (const [k, index] of DEVICE_ADDERS.entries()) {
    const sender = senders[index]!;
    await navigateInApp(page, `/chats/${sender.name}`);
    // The page is kept from one conversation to the next: wait for this contact's notice.
    const notice = page.getByRole('status', { name: 'Devices changed' });
    await expect(notice).toContainText(`${sender.name} added a device:`, { timeout: 20_000 });
    const text = (await notice.textContent()) ?? '';
    if (!text.trim().startsWith(`${sender.name} added a device:`))
      problems.push(
        `notice of ${sender.name} does not start with their name: ${text.slice(0, 80)}`,
      );
    const mine = noticed.slice(k * DEVICES_EACH, (k + 1) * DEVICES_EACH);
    checkAmong(problems, 'device notice', mine, await readNames(page, '.device-notice bdi'));
    audits.push(await auditDom(page, '.device-notice bdi'));
  }

  debug('names: device notices shown');
  // — Account → Devices: the other device renames itself, this one is renamed in the PWA, in turn.
  const other = await otherDevice;
  const otherId = (await other.keys.identity()).device.deviceId;
  await navigateInApp(page, '/account');
  const list = page.getByRole('list', { name: 'Devices' });
  const deviceNamesShown = () => readNames(page, 'ul[aria-label="Devices"] .name');
  await expect(list).toContainText(own[0]!.marker, { timeout: 20_000 });
  checkAmong(problems, 'devices list', own.slice(0, 1), await deviceNamesShown());
  const renames = own.slice(1);
  for (let k = 0; k < renames.length; k += 2) {
    const theirs = renames[k]!;
    const ours = renames[k + 1];
    await other.accountDevices.rename(otherId, theirs.text);
    const current = list.getByRole('listitem').filter({ hasText: 'this device' });
    await current.getByRole('button', { name: /^Rename / }).click();
    await page.locator('#device-rename').fill(ours?.text ?? victimName);
    await list.getByRole('button', { name: 'Save', exact: true }).click();
    for (const sent of [ours ?? theirs, theirs])
      await list.locator('.name', { hasText: sent.marker }).waitFor({ timeout: 20_000 });
    const both = ours === undefined ? [theirs] : [theirs, ours];
    checkAmong(problems, 'devices list', both, await deviceNamesShown());
  }
  audits.push(await auditDom(page, 'ul[aria-label="Devices"] .name, .notice'));
  await navigateInApp(page, '/chats');
  debug('names: devices list shown');

  const requesters = REQUESTERS.map((i) => senders[i]!.name);
  return {
    sent: [...titles, ...admins, realTitle, ...noticed, ...own],
    problems,
    audits,
    requestsShown,
    requesters,
  };
}
