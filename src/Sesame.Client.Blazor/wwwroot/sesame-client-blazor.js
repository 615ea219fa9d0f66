// Browser side of Sesame.Client.Blazor (loaded with import() by SesameBrowserInterop).
// 1. The session's frontend values live in the same non-HttpOnly cookies the official JavaScript client writes
//    (sFrontToken, st-last-access-token-update, sAntiCsrf, st-access-token, st-refresh-token), in the same format,
//    so both clients in one origin read and write one session.
// 2. The refresh lock is a Web Lock (navigator.locks): one holder per origin across every tab, released by the
//    browser if the tab goes away; by default also the official client's localStorage lock, so the two clients take turns.

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

// ---- Web Locks (+ the official client's localStorage lock) ------------------------------------------------------------

const heldLocks = new Map();

/** True if this context has the Web Locks API (secure contexts: https, localhost, 127.0.0.1). */
export function locksSupported() {
  return typeof navigator !== "undefined" && !!navigator.locks && typeof navigator.locks.request === "function";
}

/**
 * Takes the refresh lock `name` within timeoutMs. Resolves true once held (until releaseLock(id)), false on timeout; a request that
 * timed out is withdrawn, so nothing is held later. First the Web Lock (one Blazor tab at a time); then, with shareWithOfficialClient,
 * the official JavaScript client's own lock in localStorage (browser-tabs-lock's protocol, key "browser-tabs-lock-key-" + name), so a
 * Blazor tab and an official-client tab never refresh at the same time either.
 */
export async function acquireLock(id, name, timeoutMs, shareWithOfficialClient) {
  const deadline = Date.now() + timeoutMs;
  const release = await requestWebLock(name, timeoutMs);
  if (release === null) {
    return false;
  }
  let tabsLock = null;
  if (shareWithOfficialClient) {
    try {
      tabsLock = await acquireTabsLock(name, deadline);
    } catch (error) {
      release();
      throw error;
    }
    if (tabsLock === null) {
      release();
      return false;
    }
  }
  heldLocks.set(id, () => {
    if (tabsLock !== null) {
      tabsLock();
    }
    release();
  });
  return true;
}

/** Releases a held lock (no-op if not held). */
export function releaseLock(id) {
  const release = heldLocks.get(id);
  if (release) {
    heldLocks.delete(id);
    release();
  }
}

function requestWebLock(name, timeoutMs) {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    navigator.locks
      .request(name, { mode: "exclusive", signal: controller.signal }, () => {
        clearTimeout(timer);
        return new Promise((release) => resolve(release));
      })
      .catch((error) => {
        clearTimeout(timer);
        if (error && error.name === "AbortError") {
          resolve(null);
        } else {
          reject(error);
        }
      });
  });
}

// browser-tabs-lock (the official client's lockFactory default): an item {id, iat, timeoutKey, timeAcquired, timeRefreshed} under
// "browser-tabs-lock-key-<name>", taken by writing it when absent and reading it back 30 ms later, kept alive by re-stamping
// timeRefreshed every second, and considered abandoned when not re-stamped for 5 s.
const tabsLockPrefix = "browser-tabs-lock-key-";
const tabsLockOwner = Date.now().toString() + randomString(15);

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomString(length) {
  const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXTZabcdefghiklmnopqrstuvwxyz";
  let text = "";
  for (let i = 0; i < length; i++) {
    text += chars[Math.floor(Math.random() * chars.length)];
  }
  return text;
}

async function acquireTabsLock(name, deadline) {
  const key = tabsLockPrefix + name;
  while (Date.now() < deadline) {
    await delay(30);
    const existing = window.localStorage.getItem(key);
    if (existing !== null) {
      removeIfAbandoned(key, existing);
      continue;
    }
    const iat = Date.now() + randomString(4);
    // Two writers at the same instant: a random pause makes one of them win the read-back below.
    await delay(Math.floor(Math.random() * 25));
    const now = Date.now();
    window.localStorage.setItem(key, JSON.stringify({ id: tabsLockOwner, iat, timeoutKey: tabsLockOwner + "-" + name + "-" + iat, timeAcquired: now, timeRefreshed: now }));
    await delay(30);
    const after = parseLock(window.localStorage.getItem(key));
    if (after !== null && after.id === tabsLockOwner && after.iat === iat) {
      const keepAlive = setInterval(() => {
        const current = parseLock(window.localStorage.getItem(key));
        if (current !== null && current.id === tabsLockOwner && current.iat === iat) {
          current.timeRefreshed = Date.now();
          window.localStorage.setItem(key, JSON.stringify(current));
        }
      }, 1000);
      return () => {
        clearInterval(keepAlive);
        const current = parseLock(window.localStorage.getItem(key));
        if (current !== null && current.id === tabsLockOwner && current.iat === iat) {
          window.localStorage.removeItem(key);
        }
      };
    }
  }
  return null;
}

function parseLock(text) {
  if (text === null) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return { unreadable: true };
  }
}

function removeIfAbandoned(key, text) {
  const lock = parseLock(text);
  if (lock === null || lock.unreadable || typeof lock.timeRefreshed !== "number" || lock.timeRefreshed < Date.now() - 5000) {
    window.localStorage.removeItem(key);
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
