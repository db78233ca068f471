// Verification and key change: Alice and Bob compare safety numbers and Alice marks Bob verified.
// Then Bob's account is deleted by the operator and the name signed up again — a new identity
// key. Alice sees the blocking warning, cannot send, acknowledges, and reaches the new Bob.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { freePort, startRelayProcess, type RelayProcess } from '../relay-process';
import { addContact, messages, openChat, send, signUp, uniqueName } from '../support/veil-page';

const cli = fileURLToPath(new URL('../../relay/bin/veil-relay.js', import.meta.url));
let relay: RelayProcess | undefined;
let dataDir: string | undefined;

test.afterAll(async () => {
  await relay?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

async function safetyDigits(page: Page, peer: string): Promise<string> {
  await page.getByRole('link', { name: 'Verify safety number' }).click();
  await expect(page.getByRole('heading', { name: `Verify ${peer}` })).toBeVisible();
  const digits = page.getByRole('region', { name: 'Safety number' }).locator('.digits');
  await expect(digits).toHaveText(/^(\d{5}\s*){12}$/);
  return (await digits.innerText()).replace(/\s+/g, '');
}

test('verified contacts, and a changed key that blocks sending until acknowledged', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  dataDir = await mkdtemp(join(tmpdir(), 'veil-e2e-keys-'));
  relay = await startRelayProcess({ dataDir, port: await freePort() });
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const alice = await signUp(browser, aliceName, relay.baseUrl);
  const bob = await signUp(browser, bobName, relay.baseUrl);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  await openChat(alice, bobName);
  await openChat(bob, aliceName);
  const aliceSees = await safetyDigits(alice, bobName);
  const bobSees = await safetyDigits(bob, aliceName);
  expect(aliceSees).toHaveLength(60);
  expect(aliceSees).toBe(bobSees);
  await expect(alice.getByLabel(`QR code of the safety number with ${bobName}`)).toBeVisible();
  await alice.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(alice.getByText(`You verified ${bobName}`)).toBeVisible();
  await alice.getByRole('link', { name: 'Back to the conversation' }).click();
  await expect(alice.getByText('✓ Verified')).toBeVisible();

  // The operator deletes Bob; someone signs up with his name again, with new keys.
  execFileSync(process.execPath, [cli, 'users', 'delete', bobName, '--yes'], {
    env: { ...process.env, VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'silent' },
  });
  const newBob = await signUp(browser, bobName, relay.baseUrl);

  await alice.reload();
  await alice.getByLabel('Password').fill(`${aliceName} has a long passphrase`);
  await alice.getByRole('button', { name: 'Unlock' }).click();
  await openChat(alice, bobName);
  const warning = alice.getByRole('alert', { name: 'Safety number changed' });
  await expect(warning).toBeVisible({ timeout: 15_000 });
  await expect(alice.getByText('✓ Verified')).toHaveCount(0);
  await send(alice, 'are you still you?');
  await expect(
    alice.getByRole('status').filter({ hasText: 'safety number changed' }),
  ).toBeVisible();
  await expect(messages(alice)).toHaveCount(0);

  await warning.getByRole('button', { name: 'Acknowledge the new safety number' }).click();
  await expect(warning).toHaveCount(0);
  await send(alice, 'hello again');
  await expect(messages(alice).last()).toContainText('Delivered', { timeout: 15_000 });
  await expect(newBob.getByRole('link', { name: new RegExp(aliceName) })).toContainText(
    'hello again',
  );
});
