// TOTP against outside truth: the RFC 6238 Appendix B answers for SHA-1, and codes computed by an
// independent implementation (oath-toolkit's `oathtool`, from Debian) when it is installed.
import { execFileSync } from 'node:child_process';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { normalizeRecoveryCode, newRecoveryCode } from './recovery-codes';
import { matchTotpStep, newTotpSecret, TOTP_PARAMS, totpCodeAt, totpUri } from './totp';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_SHA1_ANSWERS: [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

function oathtool(): string | null {
  try {
    return execFileSync('which', ['oathtool'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_SHA1_ANSWERS)('gives the RFC answer at T=%i', async (seconds, answer) => {
    // The RFC's 8-digit answers, through otplib with the RFC's seed bytes.
    const eight = await generate({ ...TOTP_PARAMS, secret: RFC_SEED, epoch: seconds, digits: 8 });
    expect(eight).toBe(answer);
    // Our parameters (6 digits) give the same value's last six digits, from the base32 seed.
    expect(await totpCodeAt(RFC_SEED_BASE32, seconds * 1000)).toBe(answer.slice(2));
  });

  it('accepts the RFC codes one step either side, and no further', async () => {
    const at = 1111111111 * 1000;
    const code = await totpCodeAt(RFC_SEED_BASE32, at);
    const step = Math.floor(1111111111 / 30);
    const match = (nowMs: number, lastStep: number | null = null) =>
      matchTotpStep({ secret: RFC_SEED_BASE32, code, lastStep, nowMs });
    expect(await match(at)).toBe(step);
    expect(await match(at + 30_000)).toBe(step);
    expect(await match(at - 30_000)).toBe(step);
    expect(await match(at + 60_000)).toBeNull();
    expect(await match(at - 60_000)).toBeNull();
    // Each step once: the step itself and any earlier one are refused.
    expect(await match(at, step - 1)).toBe(step);
    expect(await match(at, step)).toBeNull();
    expect(await match(at, step + 1)).toBeNull();
    // A last step far in the future (a clock that jumped back) refuses rather than throws.
    expect(await match(at, step + 1000)).toBeNull();
    expect(
      await matchTotpStep({ secret: RFC_SEED_BASE32, code: '12345', lastStep: null, nowMs: at }),
    ).toBeNull();
  });

  it('makes otpauth URIs authenticator apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const uri = new URL(totpUri('alice', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Veil:alice');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Veil');
  });

  const tool = oathtool();
  it.skipIf(tool === null)('agrees with oathtool, an independent implementation', async () => {
    for (const seconds of [59, 1111111109, 1700000000, 2000000000]) {
      for (const secret of [RFC_SEED_BASE32, newTotpSecret(), newTotpSecret()]) {
        const theirs = execFileSync(
          tool!,
          ['--totp=sha1', '--base32', '--digits=6', `--now=@${seconds}`, secret],
          { encoding: 'utf8' },
        ).trim();
        expect(await totpCodeAt(secret, seconds * 1000)).toBe(theirs);
        const step = await matchTotpStep({
          secret,
          code: theirs,
          lastStep: null,
          nowMs: seconds * 1000,
        });
        expect(step).toBe(Math.floor(seconds / 30));
      }
    }
  });
  if (tool === null) {
    it.skip(
      'agrees with oathtool (skipped: `oathtool` is not installed; apt-get install oathtool)',
    );
  }
});

describe('recovery codes', () => {
  it('are 16 base32 characters in four groups, forgiving to type', () => {
    const codes = new Set(Array.from({ length: 50 }, newRecoveryCode));
    expect(codes.size).toBe(50);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
      expect(normalizeRecoveryCode(` ${code.toUpperCase().replaceAll('-', ' ')} `)).toBe(
        code.replaceAll('-', ''),
      );
    }
    expect(normalizeRecoveryCode('abcd-efgh-ijkl-mnoo')).toBe('abcdefgh1jk1mn00');
    expect(normalizeRecoveryCode('abcd-efgh-jkmn-pqru')).toBeNull(); // no 'u' in the alphabet
    expect(normalizeRecoveryCode('abcd-efgh-jkmn')).toBeNull();
  });
});
