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
});
