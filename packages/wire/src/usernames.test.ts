import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { AccountIdSchema, isAccountId, UsernameSchema, USERNAME_LENGTH } from './index';

const username = Compile(UsernameSchema);
const accountId = Compile(AccountIdSchema);

describe('account ids', () => {
  it('are usernames as the relay stores them: 3–32 of a–z, 0–9, _ . -', () => {
    for (const ok of ['abc', 'alice.b_c-9', 'x'.repeat(32), '...', '0-_']) {
      expect(isAccountId(ok)).toBe(true);
      expect(accountId.Check(ok)).toBe(true);
    }
    const bad = [
      '',
      'ab',
      'x'.repeat(33),
      'Alice',
      'ALICE',
      'a b',
      'ümlaut',
      'a/b',
      '<b>x</b>',
      'ali\u202Eec',
      '\u2066bob\u2069',
      'bob\u200B',
      'bоb', // Cyrillic о
      'alice\n',
      '\nalice',
    ];
    for (const one of bad) {
      expect(isAccountId(one)).toBe(false);
      expect(accountId.Check(one)).toBe(false);
    }
  });

  it('agree with the username rule, character by character, at every length', () => {
    // Every UTF-16 code unit, alone at each bound: the RegExp and the schema give one answer, and a
    // character is in an account id exactly when a username takes it and lower-casing keeps it.
    const disagree: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const c = String.fromCharCode(code);
      const stored = username.Check(c.repeat(3)) && c.toLowerCase() === c;
      for (const length of [USERNAME_LENGTH.minLength, USERNAME_LENGTH.maxLength]) {
        const id = c.repeat(length);
        if (isAccountId(id) !== stored || accountId.Check(id) !== stored)
          disagree.push(`U+${code.toString(16)} × ${length}`);
      }
    }
    expect(disagree).toEqual([]);
    expect(
      Array.from({ length: 128 }, (_, k) => String.fromCharCode(k))
        .filter((c) => isAccountId(c.repeat(3)))
        .join(''),
    ).toBe('-.0123456789_abcdefghijklmnopqrstuvwxyz');
    // Whatever username the relay takes, what it stores (lower-cased) is an account id.
    for (const typed of ['Alice', 'BOB.Smith_1', 'x-Y-z', 'A'.repeat(32)]) {
      expect(username.Check(typed)).toBe(true);
      expect(isAccountId(typed.toLowerCase())).toBe(true);
    }
    for (const length of [USERNAME_LENGTH.minLength - 1, USERNAME_LENGTH.maxLength + 1]) {
      expect(isAccountId('a'.repeat(length))).toBe(false);
      expect(accountId.Check('a'.repeat(length))).toBe(false);
      expect(username.Check('a'.repeat(length))).toBe(false);
    }
  });
});
