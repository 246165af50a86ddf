import { describe, expect, it } from "vitest";
import { SecretBox, SealedSecretError, acceptedSecrets, generateSigningSecret, rotateSecrets } from "../../src/api/signing-secrets";
import { parseSignatureHeader, signatureHeader, signatureHex, verifySignature } from "../../src/api/webhook-signature";

const encoder = new TextEncoder();
const SECRET = "whsec_test-secret";
const BODY = encoder.encode('{"event":"push","user":{"name":"Ada"}}');
const T = 1_800_000_000;
const NOW = T * 1000;

async function verify(header: string | null, options: { body?: Uint8Array; secrets?: string[]; nowMs?: number } = {}) {
  return verifySignature({ header, body: options.body ?? BODY, secrets: options.secrets ?? [SECRET], nowMs: options.nowMs ?? NOW });
}

describe("signatureHex", () => {
  it("is HMAC-SHA256 keyed by the secret's UTF-8 bytes over \"<t>.<body>\" (pinned to openssl's answer)", async () => {
    // printf '%s' '1800000000.{"event":"push","user":{"name":"Ada"}}' | openssl dgst -sha256 -hmac whsec_test-secret
    expect(await signatureHex(SECRET, T, BODY)).toBe("c6913f4bcd7230b661111941aaf0029220f88e4ccaf66fcb52e504b05105e5ec");
    expect(await signatureHeader(SECRET, T, BODY)).toBe(`t=${T},v1=c6913f4bcd7230b661111941aaf0029220f88e4ccaf66fcb52e504b05105e5ec`);
  });
});

describe("parseSignatureHeader", () => {
  it("reads t and every v1, ignoring other schemes and spaces around items", () => {
    const a = "a".repeat(64);
    const b = "B".repeat(64);
    const parsed = parseSignatureHeader(`t=${T}, v1=${a} ,v0=zzz,v1=${b}`);
    expect(typeof parsed).toBe("object");
    if (typeof parsed === "string") return;
    expect(parsed.timestamp).toBe(T);
    expect(parsed.signatures).toHaveLength(2);
    expect(parsed.signatures[1][0]).toBe(0xbb);
  });

  it.each([
    ["", /key=value/],
    [`v1=${"a".repeat(64)}`, /t=.*missing/],
    [`t=${T}`, /no v1/],
    [`t=${T},t=${T},v1=${"a".repeat(64)}`, /more than once/],
    [`t=-5,v1=${"a".repeat(64)}`, /whole unix seconds/],
    [`t=1.5,v1=${"a".repeat(64)}`, /whole unix seconds/],
    [`t=${T},v1=${"a".repeat(63)}`, /64 hex/],
    [`t=${T},v1=${"a".repeat(65)}`, /64 hex/],
    [`t=${T},v1=${"g".repeat(64)}`, /64 hex/],
    [`t=${T},v1`, /key=value/],
    [`t=${T},${Array.from({ length: 9 }, () => `v1=${"a".repeat(64)}`).join(",")}`, /at most 8/],
    [`t=${T},v1=${"a".repeat(64)},x=${"y".repeat(3000)}`, /longer than/],
  ])("refuses %j", (header, message) => {
    const parsed = parseSignatureHeader(header);
    expect(typeof parsed).toBe("string");
    expect(parsed).toMatch(message);
  });
});

describe("verifySignature", () => {
  it("accepts a valid signature", async () => {
    expect(await verify(await signatureHeader(SECRET, T, BODY))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("refuses a missing or malformed header", async () => {
    expect(await verify(null)).toMatchObject({ ok: false, reason: "missing" });
    expect(await verify("")).toMatchObject({ ok: false, reason: "missing" });
    expect(await verify("sha256=abc")).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses a forged signature (another secret) and a tampered one (one digit changed)", async () => {
    expect(await verify(await signatureHeader("whsec_other", T, BODY))).toMatchObject({ ok: false, reason: "mismatch" });
    const good = await signatureHeader(SECRET, T, BODY);
    const last = good.at(-1)!;
    expect(await verify(good.slice(0, -1) + (last === "0" ? "1" : "0"))).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("refuses a truncated signature", async () => {
    const good = await signatureHeader(SECRET, T, BODY);
    expect(await verify(good.slice(0, -2))).toMatchObject({ ok: false, reason: "malformed" });
    expect(await verify(good.slice(0, good.indexOf(",")))).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("signs the raw bytes: the same JSON re-encoded (other whitespace, key order) does not verify", async () => {
    const header = await signatureHeader(SECRET, T, BODY);
    for (const reencoded of [JSON.stringify(JSON.parse(new TextDecoder().decode(BODY)), null, 2), '{"user":{"name":"Ada"},"event":"push"}', `${new TextDecoder().decode(BODY)}\n`]) {
      expect(await verify(header, { body: encoder.encode(reencoded) })).toMatchObject({ ok: false, reason: "mismatch" });
    }
  });

  it("binds the timestamp: a signature for t does not verify as t+1", async () => {
    const header = await signatureHeader(SECRET, T, BODY);
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(await verify(moved)).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("accepts |now − t| ≤ 300 s, inclusive, and refuses 301 s either way", async () => {
    for (const offset of [-300, -299, 0, 299, 300]) {
      expect(await verify(await signatureHeader(SECRET, T + offset, BODY)), `offset ${offset}`).toMatchObject({ ok: true });
    }
    expect(await verify(await signatureHeader(SECRET, T - 301, BODY))).toMatchObject({ ok: false, reason: "expired" });
    expect(await verify(await signatureHeader(SECRET, T + 301, BODY))).toMatchObject({ ok: false, reason: "expired" });
    // Sub-second clock: the server's seconds are the floor of its milliseconds.
    expect(await verify(await signatureHeader(SECRET, T - 300, BODY), { nowMs: NOW + 999 })).toMatchObject({ ok: true });
    expect(await verify(await signatureHeader(SECRET, T - 300, BODY), { nowMs: NOW + 1000 })).toMatchObject({ ok: false, reason: "expired" });
  });

  it("checks the window before the MAC: a stale, validly signed request is refused as stale", async () => {
    expect(await verify(await signatureHeader(SECRET, T - 3600, BODY))).toMatchObject({ ok: false, reason: "expired" });
  });

  it("accepts several v1 values when one of them is valid, in any position", async () => {
    const good = (await signatureHeader(SECRET, T, BODY)).split(",")[1];
    const bad = (await signatureHeader("whsec_old", T, BODY)).split(",")[1];
    expect(await verify(`t=${T},${bad},${good}`)).toMatchObject({ ok: true });
    expect(await verify(`t=${T},${good},${bad}`)).toMatchObject({ ok: true });
    expect(await verify(`t=${T},${bad},${bad}`)).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("accepts any of the receiver's secrets and says which matched", async () => {
    const header = await signatureHeader("whsec_previous", T, BODY);
    expect(await verify(header, { secrets: [SECRET, "whsec_previous"] })).toEqual({ ok: true, secretIndex: 1 });
    expect(await verify(header, { secrets: [SECRET] })).toMatchObject({ ok: false, reason: "mismatch" });
  });
});

describe("sealed signing secrets", () => {
  it("seal and open round-trip, bound to their owner and key", async () => {
    const box = await SecretBox.fromMaterial("key material one");
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const sealed = await box.seal(secret, "hk_1");
    expect(sealed).not.toContain(secret.slice(6));
    expect(sealed.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(await box.open(sealed, "hk_1")).toBe(secret);
    await expect(box.open(sealed, "hk_2")).rejects.toThrow(SealedSecretError);
    const other = await SecretBox.fromMaterial("key material two");
    expect(other.keyId).not.toBe(box.keyId);
    await expect(other.open(sealed, "hk_1")).rejects.toThrow(/HOOK_SECRET_KEY or ADMIN_TOKEN changed/);
    const [v, k, iv, ct] = sealed.split(".");
    const flipped = ct[0] === "A" ? `B${ct.slice(1)}` : `A${ct.slice(1)}`;
    await expect(box.open([v, k, iv, flipped].join("."), "hk_1")).rejects.toThrow(SealedSecretError);
    await expect(box.open("plaintext", "hk_1")).rejects.toThrow(SealedSecretError);
  });

  it("seals the same secret differently each time (random IV)", async () => {
    const box = await SecretBox.fromMaterial("m");
    expect(await box.seal("s", "o")).not.toBe(await box.seal("s", "o"));
  });

  it("keeps the old secret through the rotation window, and drops it after", async () => {
    const box = await SecretBox.fromMaterial("m");
    const first = generateSigningSecret();
    const current = { secret: await box.seal(first, "hk"), previousSecret: null, previousExpiresAt: null };
    const { secret: second, sealed } = await rotateSecrets(box, current, "hk", 1_000_000, 60);
    expect(second).not.toBe(first);
    expect(sealed.previousExpiresAt).toBe(1_060_000);
    expect(await acceptedSecrets(box, sealed, "hk", 1_000_000)).toEqual([second, first]);
    expect(await acceptedSecrets(box, sealed, "hk", 1_059_999)).toEqual([second, first]);
    expect(await acceptedSecrets(box, sealed, "hk", 1_060_000)).toEqual([second]);
    const immediate = await rotateSecrets(box, current, "hk", 1_000_000, 0);
    expect(immediate.sealed.previousSecret).toBeNull();
    expect(await acceptedSecrets(box, immediate.sealed, "hk", 1_000_000)).toEqual([immediate.secret]);
  });
});
