import type { WeftClient } from "../../client";

/** What every page gets: the API client for the signed-in key. */
export interface ViewContext {
  client: WeftClient;
  /** Whether a key is stored (the API reference is readable without one). */
  signedIn: boolean;
  signIn(token: string): void;
}

export interface View {
  element: HTMLElement;
  /** Stops sockets, timers and animation frames when the page changes. */
  destroy?(): void;
}
