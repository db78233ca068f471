// The relay's version, as its package.json states it; reported by /healthz and /readyz.
import relayPackage from '../package.json' with { type: 'json' };

export const RELAY_VERSION: string = relayPackage.version;
