// Browser side of Sesame.Client.Blazor (loaded with import() by SesameBrowserInterop).
// 1. The session's frontend values live in the same non-HttpOnly cookies the official JavaScript client writes
//    (sFrontToken, st-last-access-token-update, sAntiCsrf, st-access-token, st-refresh-token), in the same format,
//    so both clients in one origin read and write one session.
// 2. The refresh lock is a Web Lock (navigator.locks): one holder per origin across every tab, released by the
//    browser if the tab goes away.

const sessionCookieNames = ["sFrontToken", "st-last-access-token-update", "sAntiCsrf", "st-access-token", "st-refresh-token"];
const neverExpires = "Fri, 31 Dec 9999 23:59:59 GMT";
const removed = "Thu, 01 Jan 1970 00:00:00 GMT";

function readCookie(all, name) {
  // The official client's rule: the last "; name=" occurrence wins, the value ends at the next ";".
  const parts = all.split("; " + name + "=");
  if (parts.length < 2) {
    return null;
  }
  return parts.pop().split(";").shift();
}

/** The session values as one string array (null = absent), in sessionCookieNames order. */
export function readSession() {
  const all = "; " + document.cookie;
  return sessionCookieNames.map((name) => readCookie(all, name));
}

/** The raw document.cookie text: compared by .NET to notice changes cheaply. */
export function readRawCookies() {
  return document.cookie;
}

/**
 * Writes (value !== null) or removes (value === null) one session cookie with the official client's attributes.
 * expiresAtMs: null = never (the official client's "Fri, 31 Dec 9999"), else Unix milliseconds.
 */
export function writeCookie(name, value, expiresAtMs, domain, inIframe) {
  const expires = value === null ? removed : expiresAtMs === null ? neverExpires : new Date(expiresAtMs).toUTCString();
  const sameSite = inIframe ? "none;secure" : "lax";
  // Browsers ignore Domain=localhost, and a Domain equal to the page's host widens the cookie to sub-domains: omit both.
  const domainPart = !domain || domain === "localhost" || domain === window.location.hostname ? "" : ";domain=" + domain;
  document.cookie = name + "=" + (value ?? "") + ";expires=" + expires + domainPart + ";path=/;samesite=" + sameSite;
}

// ---- Web Locks ------------------------------------------------------------------------------------------------------

const heldLocks = new Map();

/** True if this context has the Web Locks API (secure contexts: https, localhost, 127.0.0.1). */
export function locksSupported() {
  return typeof navigator !== "undefined" && !!navigator.locks && typeof navigator.locks.request === "function";
}

/**
 * Requests the lock `name` and waits at most timeoutMs. Resolves true once held (until releaseLock(id)), false on
 * timeout (the request is withdrawn from the queue, so nothing is held later).
 */
export function acquireLock(id, name, timeoutMs) {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    navigator.locks
      .request(name, { mode: "exclusive", signal: controller.signal }, () => {
        clearTimeout(timer);
        return new Promise((release) => {
          heldLocks.set(id, release);
          resolve(true);
        });
      })
      .catch((error) => {
        clearTimeout(timer);
        if (error && error.name === "AbortError") {
          resolve(false);
        } else {
          reject(error);
        }
      });
  });
}

/** Releases a held lock (no-op if not held). */
export function releaseLock(id) {
  const release = heldLocks.get(id);
  if (release) {
    heldLocks.delete(id);
    release();
  }
}

// ---- Change notifications -------------------------------------------------------------------------------------------

/**
 * Calls dotNetRef.invokeMethodAsync(method) when the session cookies may have changed outside this client (another tab,
 * the official JavaScript client): on cookieStore "change" where available, and by polling document.cookie every pollMs
 * (cookieStore misses nothing in Chromium, but other browsers lack it). Returns an id for stopWatching(id).
 */
const watchers = new Map();
let nextWatcher = 0;

export function watchSession(dotNetRef, method, pollMs) {
  const id = ++nextWatcher;
  let last = document.cookie;
  const check = () => {
    const now = document.cookie;
    if (now !== last) {
      last = now;
      dotNetRef.invokeMethodAsync(method).catch(() => {});
    }
  };
  const timer = setInterval(check, pollMs);
  let listener = null;
  if (typeof window.cookieStore !== "undefined" && window.cookieStore.addEventListener) {
    listener = (event) => {
      const touched = [...(event.changed || []), ...(event.deleted || [])].some((c) => sessionCookieNames.includes(c.name));
      if (touched) {
        check();
      }
    };
    window.cookieStore.addEventListener("change", listener);
  }
  watchers.set(id, () => {
    clearInterval(timer);
    if (listener) {
      window.cookieStore.removeEventListener("change", listener);
    }
  });
  return id;
}

export function stopWatching(id) {
  const stop = watchers.get(id);
  if (stop) {
    watchers.delete(id);
    stop();
  }
}
