// Veil's service worker: keeps the app shell of one version in one cache, so the app opens with no
// network. Navigations go to the network first (a deployed update is seen at once) and fall back to
// the cached index.html; the hashed build files and static files are served from the cache first.
// Nothing else is cached: not the relay's API, not health checks, and never the WebSocket, whose
// handshake does not pass through a service worker at all. A new version installs beside the old
// one and waits until the page sends SKIP_WAITING (the "Update available — Reload" banner).
/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';
import { isSkipWaiting } from '$lib/service-worker-messages';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE_PREFIX = 'veil-shell-';
const CACHE = `${CACHE_PREFIX}${version}`;
/** adapter-static's fallback page, which boots the router for every path; the relay serves it at /. */
const SHELL = '/';
const PRECACHED = new Set([...build, ...files]);

function neverCached(url: URL): boolean {
  return url.pathname === '/api' || url.pathname.startsWith('/api/');
}

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([SHELL, ...PRECACHED])));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
      }
      // Takes the page that installed the first version, so it works offline without a reload.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  if (isSkipWaiting(event.data)) void sw.skipWaiting();
});

async function navigate(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    // No network (or the relay is down): the shell of this worker's version.
    const shell = await caches.match(SHELL, { cacheName: CACHE });
    if (shell !== undefined) return shell;
    throw error;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached ?? fetch(request);
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin || neverCached(url)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
  } else if (PRECACHED.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
  // Anything else goes to the network as if there were no service worker.
});
