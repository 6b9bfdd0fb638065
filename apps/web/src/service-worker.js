// The app's service worker: it keeps the built app (its page, scripts, styles and icon) so that
// Tandem opens without a connection, showing what it kept of the open room, board or list and
// the changes not sent yet (see lib/outbox.ts). It touches nothing else: the API, Socket.IO and
// any other page go to the server as usual.
//
// vite.config.ts emits it as /service-worker.js, with `shell` set to the files of that build:
// a new build is a new worker, which replaces the kept app as a whole.

/** @type {{ version: string, files: string[] }} */
const shell = __TANDEM_SHELL__;
const cacheName = `tandem-shell-${shell.version}`;
/** The addresses that are the app's page: its root, and its views' addresses (lib/router.ts). */
const pages = /^\/(?:index\.html)?$|^\/(?:rooms|boards|lists|ops|join)(?:\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(shell.files))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('tandem-shell-') && name !== cacheName)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && pages.test(url.pathname)) {
    // The server's page when it answers (so a new build shows at once), the kept one when not.
    event.respondWith(
      fetch(request).catch(() => caches.match('/', { cacheName }).then((kept) => kept ?? Response.error())),
    );
  } else if (shell.files.includes(url.pathname)) {
    // Built files are named by their content: a kept one is never stale.
    event.respondWith(caches.match(url.pathname, { cacheName }).then((kept) => kept ?? fetch(request)));
  }
});
