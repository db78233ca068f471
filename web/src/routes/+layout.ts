// A single-page app: nothing is rendered on the server or at build time. adapter-static's fallback
// index.html boots the router for every path.
export const ssr = false;
export const prerender = false;
