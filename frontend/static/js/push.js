// Web push opt-in for /notifications: progressive enhancement. Nothing is asked
// of the browser until the visitor presses "Turn on notifications", which the
// page explains first. The subscription (endpoint and keys) goes to
// POST /api/v1/push/subscriptions with the topics chosen; the server answers
// with the device's settings page, where the visitor is sent next.

function base64UrlToBytes(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function isIos() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function say(status, key) {
  status.textContent = status.dataset[key] || "";
}

export async function subscribe(form) {
  const registration = await navigator.serviceWorker.ready;
  const key = base64UrlToBytes(form.dataset.publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && subscription.options && subscription.options.applicationServerKey) {
    const current = new Uint8Array(subscription.options.applicationServerKey);
    if (current.length !== key.length || current.some((b, i) => b !== key[i])) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  return sendSubscription(subscription.toJSON(), form);
}

export async function sendSubscription(subscription, form) {
  const topics = Array.from(form.querySelectorAll("input[name=topics]:checked"), (input) => input.value);
  const response = await fetch("/api/v1/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ subscription, topics }),
  });
  if (!response.ok) throw new Error(`subscription refused: ${response.status}`);
  return response.json();
}

async function forgetSubscription() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (subscription) await subscription.unsubscribe();
}

export function initPush() {
  if (document.querySelector("[data-push-stopped]")) forgetSubscription().catch(() => {});
  const form = document.querySelector("[data-push-form]");
  if (!form) return;
  const status = form.querySelector("[data-push-status]");
  const button = form.querySelector("[data-push-enable]");
  const needsScript = form.querySelector("[data-push-needs-script]");
  if (needsScript) needsScript.hidden = true;
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    if (isIos() && !isStandalone()) form.querySelector("[data-push-ios]").hidden = false;
    else say(status, "textUnsupported");
    return;
  }
  button.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(status, "textDenied");
        return;
      }
      const answer = await subscribe(form);
      say(status, "textOn");
      window.location.assign(answer.settings_url);
    } catch (error) {
      console.warn("Hearby: push subscription failed", error);
      say(status, "textFailed");
    } finally {
      button.disabled = false;
    }
  });
}
