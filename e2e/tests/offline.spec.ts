// Offline: with the relay stopped, Alice reloads (the service worker serves the app), unlocks with
// her password, reads her history and writes two messages, which wait in the outbox, and chooses a
// picture, which is kept (encrypted) as waiting to send and is still waiting after another reload.
// The relay comes back on the same data directory; both messages and the picture reach Bob, each
// exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort, startRelayProcess, type RelayProcess } from '../relay-process';
import { attachImage } from '../support/test-image';
import {
  addContact,
  messages,
  openChat,
  passwordOf,
  send,
  signUp,
  uniqueName,
} from '../support/veil-page';

let relay: RelayProcess | undefined;
let dataDir: string | undefined;

test.afterAll(async () => {
  await relay?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

test('messages and a picture chosen while the relay is down arrive once it is back, exactly once', async ({
  browser,
}) => {
  // Two reloads and a relay restart, each waiting for the app to settle.
  test.setTimeout(180_000);
  dataDir = await mkdtemp(join(tmpdir(), 'veil-e2e-offline-'));
  const port = await freePort();
  relay = await startRelayProcess({ dataDir, port });
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const alice = await signUp(browser, aliceName, relay.baseUrl);
  const bob = await signUp(browser, bobName, relay.baseUrl);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);
  await openChat(alice, bobName);
  await send(alice, 'before the outage');
  await expect(messages(alice).last()).toContainText('Delivered', { timeout: 15_000 });
  // The service worker has taken control, so a reload without the relay still opens the app.
  await expect
    .poll(() => alice.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true);

  await relay.stop();
  await alice.reload();
  await expect(alice.getByRole('heading', { name: 'Unlock' })).toBeVisible({ timeout: 15_000 });
  await alice.getByLabel('Password').fill(passwordOf(aliceName));
  await alice.getByRole('button', { name: 'Unlock' }).click();
  await expect(alice.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await openChat(alice, bobName);
  await expect(messages(alice)).toHaveCount(1);
  await expect(messages(alice).first()).toContainText('before the outage');

  await send(alice, 'written offline, one');
  await send(alice, 'written offline, two');
  await expect(messages(alice)).toHaveCount(3);
  await expect(messages(alice).nth(1)).toContainText('Waiting to send');
  await expect(messages(alice).nth(2)).toContainText('Waiting to send');

  // A picture chosen now cannot be uploaded: it waits on this device, across a reload.
  await attachImage(alice, 'offline.png');
  const waiting = alice.getByRole('list', { name: 'Waiting to send' });
  await expect(waiting).toContainText('offline.png', { timeout: 15_000 });
  await alice.reload();
  await alice.getByLabel('Password').fill(passwordOf(aliceName));
  await alice.getByRole('button', { name: 'Unlock' }).click();
  await expect(alice.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await openChat(alice, bobName);
  await expect(waiting).toContainText('offline.png');

  relay = await startRelayProcess({ dataDir, port });
  await expect(messages(alice).nth(2)).toContainText('Delivered', { timeout: 45_000 });
  await openChat(bob, aliceName);
  await expect(messages(bob)).toHaveCount(4, { timeout: 45_000 });
  await expect(messages(bob).nth(0)).toContainText('before the outage');
  await expect(messages(bob).nth(1)).toContainText('written offline, one');
  await expect(messages(bob).nth(2)).toContainText('written offline, two');
  await expect(
    messages(bob).nth(3).getByRole('button', { name: 'Open image offline.png' }),
  ).toBeVisible();
  await expect(waiting).toHaveCount(0);
  // Nothing arrives twice, even after both sockets reconnected and the outbox retried.
  await bob.waitForTimeout(1000);
  await expect(messages(bob)).toHaveCount(4);
});
