// SvelteKit's app-wide types (https://svelte.dev/docs/kit/types#app.d.ts); none are needed yet.
declare global {
  namespace App {}
}

export {};
