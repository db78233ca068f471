// An account on two devices, as the multi-device tests start: the first signed up with TOTP turned
// on, the second added by password + a fresh TOTP code (the account-key backup gives it the key).
import { totpCodeAt } from '@veil/relay/src/auth/totp';
import { freshTotpCode } from '@veil/relay/src/auth/test-support/factors';
import type { Primitives } from '@veil/protocol';
import type { TestRelay } from '@veil/relay/src/test-support/start-relay';
import { addTestDevice, newTestDevice, TEST_STRETCHING, type TestDevice } from './test-device';

export async function onTwoDevices(
  p: Primitives,
  relay: TestRelay,
  username: string,
): Promise<{ first: TestDevice; second: TestDevice }> {
  const first = await newTestDevice(p, relay, username);
  const proof = await first.account.reauthWithPassword(`${username} password`, TEST_STRETCHING);
  const secret = new URL(await first.account.enrolTotp(proof)).searchParams.get('secret')!;
  await first.account.confirmTotp(await totpCodeAt(secret, Date.now()));
  const second = await addTestDevice(p, relay, username, async () => ({
    code: await freshTotpCode(relay, username, secret),
  }));
  return { first, second };
}
