// Hearby service worker.
//
// Served by the backend at /service-worker.js (scope "/") with exactly two
// tokens replaced:
//   __HEARBY_VERSION__  the build version (static/dist/manifest.json), so a new
//                       build means a new worker and fresh caches;
//   __HEARBY_PRECACHE__ a JSON array of same-origin URLs to precache: the
//                       offline pages (/offline/en, /offline/pl, /offline/ur),
//                       the CSS, JS, icons and web app manifest.
// Nothing else in this file is templated.
//
// Strategy, and why:
// - Pages (navigations): network first, because council content (events,
//   bookings, moderation) must be current. A copy of each successful page is
//   kept (bounded) so a page seen before still opens offline; otherwise the
//   visitor gets the offline page in their language.
// - Static assets: cache first. Their cache is versioned with the build, so a
//   new build never serves stale CSS/JS: the new worker precaches new copies
//   and deletes the old caches.
// - /api/ and anything that isn't a same-origin GET is not touched at all: a
//   POST (sign-in, a staff action) must reach the server or fail visibly,
//   never be answered from a cache. The exception is a resident's submission
//   (a booking, a cancellation, a waiting-list request, answer or leaving,
//   feedback, a tension report): when the network is gone it
//   is kept on the phone (IndexedDB) and sent when the phone is back online,
//   so nothing a resident submits is lost. Each such form carries its own
//   idempotency nonce, so sending it again can never book twice. A queued
//   submission is kept until the server gives a definite answer: on a network
//   error or a 5xx it stays and is sent again later; a 2xx or 3xx removes it;
//   a 4xx removes it and the server's page explaining why is shown on the
//   next page the resident opens.
"use strict";

const VERSION = "__HEARBY_VERSION__";
const PRECACHE = __HEARBY_PRECACHE__;

const SHELL_CACHE = `hearby-shell-${VERSION}`;
const PAGES_CACHE = `hearby-pages-${VERSION}`;
// The visitor's language outlives builds, so its cache is not versioned;
// activate keeps it. The Cache API persists it across worker restarts (a
// worker's global variables don't survive being stopped when idle).
const META_CACHE = "hearby-meta";
const LANG_KEY = "/__hearby/lang";
const LANGUAGES = ["en", "pl", "ur"];
const DEFAULT_LANG = "en";
const MAX_PAGES = 50;

const PRECACHE_PATHS = new Set(PRECACHE.map((url) => new URL(url, self.location.origin).pathname));
// Paths that are static whatever the precache list says.
const STATIC_PREFIXES = ["/static/", "/icons/"];

let currentLang = null; // in-memory copy of the persisted language

// Resident submissions that may wait for the network (see the strategy above).
// Each is idempotent: sending it twice books, cancels or leaves once.
const QUEUEABLE = [
  /^\/events\/\d+\/\d+\/(book|waitlist)$/,
  /^\/bookings\/[\w-]+\/(feedback|cancel)$/,
  /^\/waitlist\/[\w-]+\/(accept|decline)$/,
  /^\/waitlist\/place\/[\w-]+\/leave$/,
  /^\/have-your-say\/\d+$/, // an answer (its form's nonce stores it once)
  /^\/feedback$/, // feedback on a page (nonce too)
  /^\/reports\/new$/, // a tension report (its nonce makes it one report however often it is sent)
  /^\/reports\/r\/[\w-]+\/add$/,
  // A Listening Exchange request (its last step carries every answer and a nonce), changing its sessions,
  // withdrawing, and the questionnaires: each is stored once however often it is sent.
  /^\/exchanges\/topics\/[a-z0-9-]+\/request\/send$/,
  /^\/exchanges\/requests\/[\w-]+\/(slots|withdraw|survey\/(after|follow_up))$/,
];
const QUEUE_DB = "hearby-queue";
const QUEUE_STORE = "submissions";
const QUEUE_TAG = "hearby-send-queued";

// ---------------------------------------------------------------------------
// Install: precache the shell, then take over without waiting for old tabs.
// ---------------------------------------------------------------------------
self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // cache: "reload" bypasses the HTTP cache, so a long max-age on a file
      // can't put an old copy into this version's cache.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })));
      await self.skipWaiting();
    })(),
  );
});

// ---------------------------------------------------------------------------
// Activate: delete caches from other versions, then control open pages.
// ---------------------------------------------------------------------------
self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, PAGES_CACHE, META_CACHE]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith("hearby-") && !keep.has(name)).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

// ---------------------------------------------------------------------------
// Language (sent by app.js on every page load) and other messages.
// ---------------------------------------------------------------------------
function normaliseLang(value) {
  // "en-GB" -> "en"; anything we don't serve -> null
  const primary = String(value || "").trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(primary) ? primary : null;
}

async function saveLang(lang) {
  currentLang = lang;
  const cache = await caches.open(META_CACHE);
  await cache.put(LANG_KEY, new Response(lang, { headers: { "Content-Type": "text/plain; charset=utf-8" } }));
}

async function loadLang() {
  if (currentLang) return currentLang;
  try {
    const cache = await caches.open(META_CACHE);
    const response = await cache.match(LANG_KEY);
    currentLang = (response && normaliseLang(await response.text())) || DEFAULT_LANG;
  } catch {
    currentLang = DEFAULT_LANG;
  }
  return currentLang;
}

self.addEventListener("message", (event) => {
  // Only our own pages can message this worker (same origin by design), but
  // validate anyway: the value becomes part of a URL.
  if (event.origin && event.origin !== self.location.origin) return;
  const data = event.data || {};
  if (data.type === "lang") {
    const lang = normaliseLang(data.lang);
    if (lang) event.waitUntil(saveLang(lang));
  } else if (data.type === "flush") {
    // A page noticed the network is back (browsers without Background Sync).
    event.waitUntil(flushQueue());
  } else if (data.type === "clear-pages") {
    // For sign-out: forget the pages kept for offline use.
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

// ---------------------------------------------------------------------------
// Fetch
// ---------------------------------------------------------------------------
function isStaticAsset(url) {
  if (url.pathname.startsWith("/offline/")) return false; // pages, network first
  return STATIC_PREFIXES.some((prefix) => url.pathname.startsWith(prefix)) || PRECACHE_PATHS.has(url.pathname);
}

function isCacheablePage(response) {
  if (!response || response.status !== 200 || response.type !== "basic") return false;
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/html")) return false;
  // The backend marks personal pages (signed-in views, booking details)
  // `Cache-Control: no-store`; they must not be written to disk here either.
  const cacheControl = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !cacheControl.includes("no-store");
}

async function trimCache(name, maxEntries) {
  const cache = await caches.open(name);
  const keys = await cache.keys();
  // keys() lists in insertion order and put() re-inserts, so the first are
  // the least recently stored.
  const excess = keys.length - maxEntries;
  if (excess > 0) await Promise.all(keys.slice(0, excess).map((key) => cache.delete(key)));
}

async function keepPage(request, response) {
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(request.url, response);
  await trimCache(PAGES_CACHE, MAX_PAGES);
}

async function offlinePage() {
  const lang = await loadLang();
  const shell = await caches.open(SHELL_CACHE);
  const page = (await shell.match(`/offline/${lang}`)) || (await shell.match(`/offline/${DEFAULT_LANG}`));
  if (page) return page;
  // Should not happen (the offline pages are precached); say something rather
  // than show the browser's error page.
  return new Response("<!doctype html><title>Offline</title><h1>You are offline</h1>", {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

async function handleNavigation(event) {
  const { request } = event;
  const problem = await takeProblem();
  if (problem) return problem;
  try {
    const response = await fetch(request);
    if (isCacheablePage(response)) event.waitUntil(keepPage(request, response.clone()));
    return response;
  } catch {
    // Network failure (not an HTTP error status: a 404 or 500 page from the
    // server is passed through above). A copy of this very page, or the
    // offline page.
    const cached = await caches.match(request.url, { cacheName: PAGES_CACHE, ignoreVary: true });
    return cached || offlinePage();
  }
}

async function handleStatic(event) {
  const { request } = event;
  // ignoreSearch: templates may add ?v=<version> for the browser's HTTP
  // cache; the worker's cache is already per version.
  const cached = await caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.status === 200 && response.type === "basic") {
    const copy = response.clone();
    event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy)));
  }
  return response;
}

// ---------------------------------------------------------------------------
// Resident submissions kept while offline
// ---------------------------------------------------------------------------
function openQueue() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(QUEUE_DB, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(QUEUE_STORE, { keyPath: "id", autoIncrement: true });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function inQueue(mode, action) {
  const db = await openQueue();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(QUEUE_STORE, mode);
      const result = action(transaction.objectStore(QUEUE_STORE));
      transaction.oncomplete = () => resolve(result.result);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

function isQueueable(request, url) {
  return request.method === "POST" && request.mode === "navigate" && QUEUEABLE.some((pattern) => pattern.test(url.pathname));
}

async function savedPage() {
  const lang = await loadLang();
  const shell = await caches.open(SHELL_CACHE);
  return (await shell.match(`/offline/${lang}/saved`)) || offlinePage();
}

async function handleSubmission(event) {
  const copy = event.request.clone(); // fetch() consumes the body; keep one to store
  try {
    return await fetch(event.request);
  } catch {
    const body = await copy.text();
    await inQueue("readwrite", (store) =>
      store.add({
        url: copy.url,
        body,
        contentType: copy.headers.get("Content-Type") || "application/x-www-form-urlencoded",
        savedAt: Date.now(),
      }),
    );
    if (self.registration.sync) {
      try {
        await self.registration.sync.register(QUEUE_TAG);
      } catch {
        // Background Sync refused (e.g. permissions): pages post "flush" when back online.
      }
    }
    return savedPage();
  }
}

// A queued submission the server refused (a 4xx: the form had a mistake, the event was cancelled, the
// places went): the server's own page saying why, shown on the next page the resident opens.
const PROBLEM_KEY = "/__hearby/unsent";

async function keepProblem(response) {
  const body = await response.text();
  const cache = await caches.open(META_CACHE);
  await cache.put(
    PROBLEM_KEY,
    new Response(body, { status: response.status, headers: { "Content-Type": "text/html; charset=utf-8" } }),
  );
}

async function takeProblem() {
  const cache = await caches.open(META_CACHE);
  const problem = await cache.match(PROBLEM_KEY);
  if (problem) await cache.delete(PROBLEM_KEY);
  return problem;
}

// Send what is queued, oldest first. Returns true when something is still waiting (the network is gone
// again, or the server could not take it: a 5xx), so that the caller tries again later. One flush at a
// time: a sync event and a page's "flush" message arriving together share the run in progress instead of
// each sending the same entries.
let flushing = null;

function flushQueue() {
  if (!flushing) flushing = sendQueued().finally(() => (flushing = null));
  return flushing;
}

async function sendQueued() {
  const entries = await inQueue("readonly", (store) => store.getAll());
  for (const entry of entries || []) {
    let response;
    try {
      response = await fetch(entry.url, {
        method: "POST",
        body: entry.body,
        headers: { "Content-Type": entry.contentType },
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch {
      return true; // still offline: keep this and the rest for the next attempt
    }
    if (response.status >= 500) {
      // The server could not take it now (a restart, the database away): not a definite answer. Keep it
      // and the rest; each carries its nonce, so sending it again never books twice.
      return true;
    }
    // A definite answer: taken (2xx, or a 3xx to the result), or refused with a reason (4xx), which the
    // resident sees on the next page they open.
    if (response.status >= 400) await keepProblem(response);
    await inQueue("readwrite", (store) => store.delete(entry.id));
  }
  return false;
}

async function flushOrRetry() {
  if (await flushQueue()) throw new Error("Hearby: queued submissions still waiting; Background Sync retries");
}

self.addEventListener("sync", (event) => {
  // A rejected promise asks the browser to fire the sync event again later (with back-off).
  if (event.tag === QUEUE_TAG) event.waitUntil(flushOrRetry());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") {
    const target = new URL(request.url);
    if (target.origin === self.location.origin && isQueueable(request, target)) {
      event.respondWith(handleSubmission(event));
    }
    return; // every other POST goes straight to the network
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (url.pathname === "/service-worker.js") return;

  if (request.mode === "navigate") {
    event.respondWith(handleNavigation(event));
  } else if (isStaticAsset(url)) {
    event.respondWith(handleStatic(event));
  }
  // Anything else (feeds, JSON, downloads): the browser's normal behaviour.
});

// --- Web push -----------------------------------------------------------------
// The server sends JSON (backend/notifications/push.py PushJob.notification):
// {title, body, url, tag, lang, dir, settings_url}, already in the device's
// language. The tag makes a re-sent message replace the first instead of
// showing twice. A click opens the message's page, focusing a Hearby window
// that is already open (navigated there) rather than opening another; the
// "Settings" action opens this device's notification settings.

function samePath(value, fallback) {
  try {
    const url = new URL(value || fallback, self.location.origin);
    return url.origin === self.location.origin ? url.href : new URL(fallback, self.location.origin).href;
  } catch (error) {
    return new URL(fallback, self.location.origin).href;
  }
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  const show = () => {
    const options = {
      body: message.body || "",
      tag: message.tag || undefined,
      lang: message.lang || undefined,
      dir: message.dir === "rtl" ? "rtl" : "auto",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: {
        url: samePath(message.url, "/"),
        settings_url: samePath(message.settings_url, "/notifications/settings"),
      },
      actions: [{ action: "settings", title: message.settings_label || "Settings" }],
    };
    return self.registration.showNotification(message.title || "Hearby", options);
  };
  event.waitUntil(show());
});

async function openPage(target) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const exact = windows.find((client) => client.url === target);
  if (exact) return exact.focus();
  const ours = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (ours) {
    let focused = ours;
    try {
      focused = (await ours.focus()) || ours;
    } catch (error) {
      // focus() needs the click's user activation; navigate the window even without it.
    }
    return focused.navigate(target);
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const target = event.action === "settings" ? data.settings_url : data.url;
  event.waitUntil(openPage(samePath(target, "/")));
});

// --- A subscription the browser replaced ---------------------------------------
// Push services may expire or rotate a subscription; the browser then fires
// `pushsubscriptionchange`. The device subscribes again with the same
// applicationServerKey (the old subscription's, or the server's current key)
// and sends the new subscription with the old one to the subscription API, so
// the server moves this device — its language, topics, areas and categories —
// to the new endpoint. The server moves it only for the holder of the old
// subscription: its endpoint with its auth secret (only this browser and the
// server know it), or, when the browser gives no old subscription, this
// device's settings cookie (`renew`).

function keyBytes(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function serverKey() {
  const response = await fetch("/api/v1/push/key", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) return null;
  const answer = await response.json();
  return answer.public_key ? keyBytes(answer.public_key) : null;
}

async function renewSubscription(event) {
  const old = event.oldSubscription || null;
  let subscription = event.newSubscription || null;
  if (!subscription) {
    const key = (old && old.options && old.options.applicationServerKey) || (await serverKey());
    if (!key) return;
    subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  const body = old
    ? { subscription: subscription.toJSON(), previous: old.toJSON() }
    : { subscription: subscription.toJSON(), renew: true };
  const response = await fetch("/api/v1/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) console.warn("Hearby: the renewed push subscription was refused", response.status);
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renewSubscription(event).catch((error) => console.warn("Hearby: push renewal failed", error)));
});
