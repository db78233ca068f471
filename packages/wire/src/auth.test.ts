import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  LoginFinishReplySchema,
  RecoveryCodeSchema,
  StepUpBodySchema,
  TotpCodeSchema,
  UsernameSchema,
} from './index';

describe('auth schemas', () => {
  it('takes usernames of 3–32 safe characters in either case', () => {
    const check = Compile(UsernameSchema);
    for (const ok of ['abc', 'Alice.B_c-9', 'x'.repeat(32)]) expect(check.Check(ok)).toBe(true);
    for (const bad of ['ab', 'x'.repeat(33), 'a b', 'ümlaut', 'a/b', '']) {
      expect(check.Check(bad)).toBe(false);
    }
  });

  it('takes six-digit codes and forgiving recovery codes', () => {
    expect(Compile(TotpCodeSchema).Check('012345')).toBe(true);
    expect(Compile(TotpCodeSchema).Check('12345')).toBe(false);
    expect(Compile(TotpCodeSchema).Check('12345a')).toBe(false);
    const recovery = Compile(RecoveryCodeSchema);
    expect(recovery.Check('ab12-cd34-ef56-gh78')).toBe(true);
    expect(recovery.Check('AB12 CD34 EF56 GH78')).toBe(true);
    expect(recovery.Check('ab12-cd34')).toBe(false);
  });

  it('tells the two login replies apart and refuses extras in a step-up', () => {
    const reply = Compile(LoginFinishReplySchema);
    const account = {
      username: 'alice',
      createdAt: 1,
      passwordSet: true,
      totpEnabled: false,
      passkeyCount: 0,
      recoveryCodesLeft: 0,
    };
    expect(reply.Check({ status: 'signed-in', account })).toBe(true);
    const pendingToken = 'A'.repeat(43);
    expect(reply.Check({ status: 'second-factor', pendingToken, methods: ['totp'] })).toBe(true);
    expect(reply.Check({ status: 'second-factor', account })).toBe(false);
    const stepUp = Compile(StepUpBodySchema);
    expect(stepUp.Check({})).toBe(true);
    expect(stepUp.Check({ code: '123456' })).toBe(true);
    expect(stepUp.Check({ password: 'never sent' })).toBe(false);
  });
});
