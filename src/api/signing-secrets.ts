import type { Env } from "../env";
import { HttpProblem } from "./problem";

/*
 * Signing secrets of webhooks and HMAC endpoints: generated here, shown to the admin once, and
 * stored so that deliveries can be verified later.
 *
 * Why encrypted and not hashed: an API key is checked by hashing what the caller presents, but
 * an HMAC signature can only be checked by recomputing it, which needs the secret itself. So
 * the secret is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the Worker
 * secret HOOK_SECRET_KEY, or from ADMIN_TOKEN when that is not set. A copy of the D1 database
 * alone does not reveal any secret. The row's id is the GCM associated data, so a sealed secret
 * copied onto another hook's row does not open. The sealed form names the key it was sealed
 * with (a short fingerprint), so a Worker whose key changed says so instead of failing blindly.
 *
 * Rotation: a rotated secret keeps working until `previousExpiresAt` (default 24 h), beside the
 * new one, so senders can switch over without dropping deliveries.
 */

/** Visible start of every signing secret, so a leaked one is recognisable. */
export const SIGNING_SECRET_PREFIX = "whsec_";
/** How long a rotated secret stays valid by default. */
export const DEFAULT_ROTATION_GRACE_S = 24 * 60 * 60;
/** The longest grace a rotation may ask for. */
export const MAX_ROTATION_GRACE_S = 7 * 24 * 60 * 60;

const SEALED_VERSION = "v1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A new secret: `whsec_` + 256 random bits, base64url. Senders use the whole string as the HMAC key. */
export function generateSigningSecret(): string {
  return SIGNING_SECRET_PREFIX + base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Raised when a sealed secret cannot be opened (another key, or a damaged value). */
export class SealedSecretError extends Error {
  override readonly name = "SealedSecretError";
}

/** Seals and opens signing secrets with a key derived from one Worker secret. */
export class SecretBox {
  private constructor(
    private readonly key: CryptoKey,
    /** 8 hex digits identifying the key (not the key: a separate HKDF output). */
    readonly keyId: string,
  ) {}

  static async fromMaterial(material: string): Promise<SecretBox> {
    const base = await crypto.subtle.importKey("raw", encoder.encode(material), "HKDF", false, ["deriveKey", "deriveBits"]);
    const params = (info: string) => ({ name: "HKDF", hash: "SHA-256", salt: encoder.encode("weft signing secrets"), info: encoder.encode(info) });
    const key = await crypto.subtle.deriveKey(params("aes-256-gcm v1"), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const idBits = new Uint8Array(await crypto.subtle.deriveBits(params("key id v1"), base, 32));
    return new SecretBox(key, [...idBits].map((b) => b.toString(16).padStart(2, "0")).join(""));
  }

  /** `v1.<keyId>.<iv>.<ciphertext>`, bound to `owner` (the hook id or endpoint slug). */
  async seal(secret: string, owner: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(owner) }, this.key, encoder.encode(secret));
    return [SEALED_VERSION, this.keyId, base64Url(iv), base64Url(new Uint8Array(ct))].join(".");
  }

  async open(sealed: string, owner: string): Promise<string> {
    const [version, keyId, iv, ct, extra] = sealed.split(".");
    if (version !== SEALED_VERSION || !keyId || !iv || !ct || extra !== undefined) throw new SealedSecretError("the stored secret is not in a known format");
    if (keyId !== this.keyId) {
      throw new SealedSecretError(`the stored secret was sealed with key ${keyId}, but the Worker's key is now ${this.keyId} (HOOK_SECRET_KEY or ADMIN_TOKEN changed)`);
    }
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv), additionalData: encoder.encode(owner) }, this.key, fromBase64Url(ct));
      return decoder.decode(plain);
    } catch {
      throw new SealedSecretError("the stored secret does not open (damaged, or sealed for another owner)");
    }
  }
}

const boxes = new Map<string, Promise<SecretBox>>();

/**
 * The box for this Worker's key material (HOOK_SECRET_KEY, else ADMIN_TOKEN), derived once per
 * isolate. 409 when neither is set: there is nothing to protect the secrets with.
 */
export function secretBox(env: Env): Promise<SecretBox> {
  const material = env.HOOK_SECRET_KEY || env.ADMIN_TOKEN;
  if (!material) {
    throw new HttpProblem("conflict", "Signing secrets need HOOK_SECRET_KEY (or ADMIN_TOKEN) to be set on the Worker, to encrypt them at rest.");
  }
  let box = boxes.get(material);
  if (!box) {
    box = SecretBox.fromMaterial(material);
    boxes.set(material, box);
  }
  return box;
}

/** What a row stores: the sealed current secret and, during a rotation window, the previous one. */
export interface SealedSecrets {
  secret: string;
  previousSecret: string | null;
  previousExpiresAt: number | null;
}

/** The plaintext secrets a delivery may be signed with at `now`: current first. */
export async function acceptedSecrets(box: SecretBox, sealed: SealedSecrets, owner: string, now: number): Promise<string[]> {
  const secrets = [await box.open(sealed.secret, owner)];
  if (sealed.previousSecret !== null && sealed.previousExpiresAt !== null && now < sealed.previousExpiresAt) {
    try {
      secrets.push(await box.open(sealed.previousSecret, owner));
    } catch (err) {
      // The current secret still works; an unreadable previous one only shortens its grace.
      console.error(`[weft] previous signing secret of ${owner} does not open:`, (err as Error).message);
    }
  }
  return secrets;
}

/**
 * The sealed secrets after a rotation: a new current secret, and the old one kept until
 * `now + graceS` (not at all when `graceS` is 0, or when the old one cannot be opened).
 */
export async function rotateSecrets(
  box: SecretBox,
  current: SealedSecrets,
  owner: string,
  now: number,
  graceS: number,
): Promise<{ secret: string; sealed: SealedSecrets }> {
  const secret = generateSigningSecret();
  let keepOld = graceS > 0;
  if (keepOld) {
    try {
      await box.open(current.secret, owner);
    } catch {
      keepOld = false; // sealed under a key this Worker no longer has: nothing to keep
    }
  }
  return {
    secret,
    sealed: {
      secret: await box.seal(secret, owner),
      previousSecret: keepOld ? current.secret : null,
      previousExpiresAt: keepOld ? now + graceS * 1000 : null,
    },
  };
}
