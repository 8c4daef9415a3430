// Hearby page script: progressive enhancement only. Every page works without
// it. Loaded as <script type="module" src="/static/js/app.js" fetchpriority="low">
// (modules are deferred, so the DOM is parsed when this runs; browsers too old
// for modules skip it and get the plain HTML behaviour, which is what GOV.UK
// Frontend expects as well; low priority, so that on a slow connection the
// stylesheet, which the first paint waits for, comes first).
// GOV.UK Frontend's JavaScript, per page: each component's module (build.mjs copies them to
// /static/dist/govuk/) is imported only when the page has that component, so a page without forms, error
// summaries or buttons loads none of it. A component with a selector needs it only when the element matches
// it or holds a match: radios and checkboxes script only conditional reveals, and a button only stops double
// submissions or makes a link styled as a button answer the space key (a plain submit button needs nothing).
const SERVICE_WORKER_URL = "/service-worker.js";

const GOVUK = "/static/dist/govuk/components/";
const COMPONENTS = {
  "govuk-button": ["button/button.mjs", "Button", "[data-prevent-double-click='true'], a[role='button']"],
  "govuk-error-summary": ["error-summary/error-summary.mjs", "ErrorSummary"],
  "govuk-skip-link": ["skip-link/skip-link.mjs", "SkipLink"],
  "govuk-password-input": ["password-input/password-input.mjs", "PasswordInput"],
  "govuk-notification-banner": ["notification-banner/notification-banner.mjs", "NotificationBanner"],
  "govuk-radios": ["radios/radios.mjs", "Radios", ".govuk-radios__conditional"],
  "govuk-checkboxes": ["checkboxes/checkboxes.mjs", "Checkboxes", ".govuk-checkboxes__conditional"],
};

function initGovukFrontend() {
  const found = new Map();
  for (const element of document.querySelectorAll("[data-module^='govuk-']")) {
    const component = COMPONENTS[element.dataset.module];
    const needs = component && component[2];
    if (!component || (needs && !element.matches(needs) && !element.querySelector(needs))) continue;
    if (!found.has(component)) found.set(component, []);
    found.get(component).push(element);
  }
  for (const [[path, name], elements] of found) {
    import(GOVUK + path)
      .then((module) => {
        for (const element of elements) {
          try {
            new module[name](element);
          } catch (error) {
            console.error(`Hearby: GOV.UK ${name} failed to initialise`, error);
          }
        }
      })
      .catch((error) => console.error(`Hearby: GOV.UK ${name} failed to load`, error));
  }
}

// Tell the service worker which language this page is in, so that when a page
// can't be fetched offline it shows the offline page in that language.
function postLanguage(registration) {
  const worker = registration.active;
  if (worker) worker.postMessage({ type: "lang", lang: document.documentElement.lang });
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    // updateViaCache "none": always ask the server for a newer worker script,
    // whatever HTTP caching headers it was served with.
    .register(SERVICE_WORKER_URL, { scope: "/", updateViaCache: "none" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      postLanguage(registration);
      // The sign-out page carries data-hb-clear-offline-pages: forget the
      // pages kept for offline reading on this device.
      if (document.querySelector("[data-hb-clear-offline-pages]") && registration.active) {
        registration.active.postMessage({ type: "clear-pages" });
      }
    })
    .catch((error) => {
      // Offline support is an enhancement: a failure must not break the page.
      console.warn("Hearby: service worker registration failed", error);
    });
}

// `hb-offline` on <html> shows .hb-offline-banner while the browser is offline.
// Submissions kept on the phone while offline are sent once the network is back.
function flushQueuedSubmissions() {
  if (!("serviceWorker" in navigator) || !navigator.onLine) return;
  navigator.serviceWorker.ready.then((registration) => {
    if (registration.active) registration.active.postMessage({ type: "flush" });
  });
}

function initOfflineIndicator() {
  const root = document.documentElement;
  window.addEventListener("online", flushQueuedSubmissions);
  flushQueuedSubmissions();
  const update = () => root.classList.toggle("hb-offline", !navigator.onLine);
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
}

// Everything that fetches more (component modules, the service worker and what it keeps, the
// notifications script) waits until the browser reports the first contentful paint, so that it never
// competes with the page itself on a slow connection. A hidden page paints nothing and a browser without
// paint timing reports nothing: those start at once, and a page that never paints starts after a while.
const PAINT_WAIT_MS = 3000;

function afterFirstPaint(start) {
  let started = false;
  const startOnce = () => {
    if (started) return;
    started = true;
    start();
  };
  const observer = window.PerformanceObserver;
  const paintTimed = observer && observer.supportedEntryTypes && observer.supportedEntryTypes.includes("paint");
  if (document.visibilityState === "hidden" || !paintTimed) {
    startOnce();
    return;
  }
  new PerformanceObserver((list, watching) => {
    if (!list.getEntriesByName("first-contentful-paint").length) return;
    watching.disconnect();
    startOnce();
  }).observe({ type: "paint", buffered: true });
  setTimeout(startOnce, PAINT_WAIT_MS);
}

// GOV.UK Frontend v5+ only initialises components (and only shows their JS-dependent styles) when <body>
// has `govuk-frontend-supported`. Its own template adds it with an inline script; we have no inline script,
// so the module adds it at once (the first paint already has the JS-dependent styles), before the
// components, which check for it.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
afterFirstPaint(() => {
  try {
    initGovukFrontend();
  } catch (error) {
    console.error("Hearby: GOV.UK Frontend failed to initialise", error);
  }
  registerServiceWorker();
  if (document.querySelector("[data-push-form], [data-push-stopped]")) {
    import("/static/js/push.js")
      .then((push) => push.initPush())
      .catch((error) => console.warn("Hearby: notifications script failed", error));
  }
});
initOfflineIndicator();
