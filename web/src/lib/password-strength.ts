// Password strength, estimated like a cracker would guess (zxcvbn-ts: dictionaries of common
// passwords, names and words, keyboard patterns, l33t, dates). Its dictionaries are large, so they
// are loaded on first use, only on the screens that ask, and never with the app shell.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export interface PasswordStrength {
  /** 0 (guessed at once) to 4 (infeasible to guess offline). */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: string;
  /** What makes it weak, in plain words (empty when nothing stands out). */
  readonly warning: string;
  readonly suggestions: readonly string[];
}

/**
 * Veil's bar. OPAQUE makes the relay's copy resist offline guessing without the relay's key, but
 * the vault on this device is protected by Argon2id(password) alone, so a stolen laptop meets it.
 */
export const MINIMUM_SCORE = 3;

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

let checker: Promise<ZxcvbnFactory> | null = null;

function load(): Promise<ZxcvbnFactory> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common, english] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new ZxcvbnFactory({
      translations: english.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...english.dictionary },
    });
  })();
  return checker;
}

/** `userInputs` (the username, "veil") count as known to an attacker. */
export async function passwordStrength(
  password: string,
  userInputs: readonly string[] = [],
): Promise<PasswordStrength> {
  const result = (await load()).check(password, ['veil', ...userInputs]);
  return {
    score: result.score,
    label: LABELS[result.score],
    warning: result.feedback.warning ?? '',
    suggestions: result.feedback.suggestions,
  };
}
