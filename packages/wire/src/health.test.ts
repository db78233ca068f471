import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { HealthSchema } from './index';

const checkHealth = Compile(HealthSchema);

describe('HealthSchema', () => {
  it('accepts the answers the relay gives', () => {
    expect(checkHealth.Check({ status: 'ok', version: '0.1.0' })).toBe(true);
    expect(checkHealth.Check({ status: 'unavailable', version: '0.1.0' })).toBe(true);
  });

  it.each([
    ['an unknown status', { status: 'degraded', version: '0.1.0' }],
    ['a missing version', { status: 'ok' }],
    ['an empty version', { status: 'ok', version: '' }],
    ['a numeric version', { status: 'ok', version: 1 }],
    ['an extra property', { status: 'ok', version: '0.1.0', uptime: 3 }],
    ['a non-object', 'ok'],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expect(checkHealth.Check(value)).toBe(false);
    expect(checkHealth.Errors(value).length).toBeGreaterThan(0);
  });
});
