import { WeftClient } from "../client";

/*
 * The signed-in API key, kept in localStorage so a reload keeps the session. It is sent only to
 * this origin's API (the page and the API are served by the same Worker).
 */
const STORAGE_KEY = "weft.apiKey";

export function storedToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(STORAGE_KEY, token);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the session lasts until the page closes.
  }
}

export function clientFor(token: string | null): WeftClient {
  return new WeftClient({ url: location.origin, ...(token ? { token } : {}) });
}
