/// <reference lib="dom" />
// Figure 1 in headless Chromium (bundled by browser-harness.ts): the very measurements the Node
// section makes (crypto/crypto-figures.ts), with libsodium's WebAssembly running in the browser.

import { measureCrypto } from '../crypto/crypto-figures';

(window as unknown as { veilBench: unknown }).veilBench = { measureCrypto };
document.title = 'ready';
