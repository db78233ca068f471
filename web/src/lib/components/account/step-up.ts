// The step-up factor an account form carries (docs/relay.md, "Fresh proof"), chosen like the
// passkeys section does: a passkey when the account has one, else a code (TOTP or recovery code)
// when a second factor is on — the relay refuses the password alone then — else the password.
import type { StepUpFactor } from '@veil/client';
import type { AccountSummary } from '@veil/wire';
import { veil } from '$lib/veil/veil-app.svelte';

export type StepUpKind = 'passkey' | 'code' | 'password';

export function stepUpKind(summary: AccountSummary): StepUpKind {
  return summary.passkeyCount > 0 ? 'passkey' : summary.totpEnabled ? 'code' : 'password';
}

/** Reads the form's step-up field, or runs the passkey prompt. */
export async function stepUpFactor(form: FormData, kind: StepUpKind): Promise<StepUpFactor> {
  if (kind === 'passkey') return { proof: await veil.passkeyProof() };
  if (kind === 'code') return { code: text(form, 'step-up-code').trim() };
  return { password: text(form, 'step-up-password') };
}

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
