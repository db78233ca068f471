// The workspace's Prettier settings plus the Svelte plugin, which only this member needs. The plugin
// is resolved from here: Prettier would look for it from wherever it was started.
import base from '../.prettierrc.json' with { type: 'json' };

/** @type {import('prettier').Config} */
export default {
  ...base,
  plugins: [import.meta.resolve('prettier-plugin-svelte')],
  overrides: [{ files: '*.svelte', options: { parser: 'svelte' } }],
};
