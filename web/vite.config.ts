import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';

// SvelteKit's route announcer (its generated root component) hides itself with an inline style
// attribute, which the relay's CSP blocks: a console error on every client-side navigation, and the
// announcer's text left visible. This drops the attribute; src/app.css styles #svelte-announcer
// instead. When SvelteKit moves those styles to a stylesheet (sveltejs/kit#11993) this finds
// nothing to replace and changes nothing; the e2e suite fails on any CSP violation either way.
const ANNOUNCER_STYLE = /(<div id="svelte-announcer"[^>]*?)\s+style="[^"]*"/;

function announcerWithoutInlineStyle(): Plugin {
  return {
    name: 'veil:announcer-without-inline-style',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/.svelte-kit/generated/root.svelte')) return null;
      return code.replace(ANNOUNCER_STYLE, '$1');
    },
  };
}

export default defineConfig({
  plugins: [announcerWithoutInlineStyle(), sveltekit()],
  build: {
    rolldownOptions: {
      output: {
        // libsodium (0.4 MB gzipped, the WebAssembly inlined) in a chunk of its own. Left to the
        // automatic splitting, Rolldown put @veil/client and @veil/protocol into the same chunk,
        // so every app update made every device download libsodium again, and the size bench
        // (figure 5) counted our code as libsodium's.
        // And the app's own modules that two or more routes share (web/src/lib, with what they
        // import) in one chunk: left alone, Rolldown made a chunk of each, two dozen files under
        // 1 KB gzipped, each a request of its own and a gzip stream without the others' context
        // (7 KB more in all). Every route loads the client through the layout anyway.
        codeSplitting: {
          groups: [
            { name: 'libsodium', test: /node_modules[\\/]libsodium/ },
            { name: 'shared-ui', test: /web[\\/]src[\\/]lib[\\/]/, minShareCount: 2 },
          ],
        },
      },
    },
  },
});
