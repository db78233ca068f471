// SvelteKit as a single-page app: adapter-static writes build/, whose index.html is the fallback for
// every route (the relay answers unknown HTML requests with it). The service worker is registered by
// src/lib/state/app-update.svelte.ts, not by SvelteKit, so the update prompt is ours.
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const SELF = 'self';
const NONE = 'none';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    serviceWorker: { register: false },
    // The same policy the relay sends (relay/src/plugins/external/security-headers.ts). In 'hash'
    // mode SvelteKit adds the sha256 of its inline bootstrap script to the <meta> policy it writes
    // into index.html; the relay's header must allow that same hash (docs/pwa.md), because a page
    // obeys both policies. frame-ancestors is header-only, so it is left to the relay.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': [SELF],
        'script-src': [SELF, 'wasm-unsafe-eval'],
        // Avatars are shown from blob: URLs (see relay/src/plugins/external/security-headers.ts).
        'img-src': [SELF, 'blob:'],
        'object-src': [NONE],
        'base-uri': [NONE],
        'form-action': [SELF],
      },
    },
  },
};

export default config;
