// The phone pages' service worker (scope /m): keeps the versioned static files for a slow or
// absent connection. Pages and data always come from the network: a slip must never be stale.
const CACHE = 'fm-assets-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (
    e.request.method !== 'GET' ||
    url.origin !== self.location.origin ||
    !url.pathname.startsWith('/assets/')
  )
    return;
  e.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(e.request);
      if (hit) return hit;
      const res = await fetch(e.request);
      if (res.ok && url.searchParams.has('v')) cache.put(e.request, res.clone());
      return res;
    }),
  );
});
