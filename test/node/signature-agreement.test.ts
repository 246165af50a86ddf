import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "../../src/api/webhook-signature";
import { webhookSignature } from "../../src/cli/signature";

const encoder = new TextEncoder();

// `weft sign` (node:crypto) and the Worker (WebCrypto) must agree byte for byte, or deliveries
// signed with the CLI would be refused.
describe("the CLI's signer and the Worker's verifier", () => {
  it.each([
    ["whsec_test-secret", encoder.encode('{"event":"push"}')],
    ["clé-secrète-✓", encoder.encode('{"name":"Zoë 🚀"}')],
    ["s", new Uint8Array([0, 255, 10, 13])],
    ["whsec_empty-body", new Uint8Array(0)],
  ])("agree for secret %j", async (secret, body) => {
    const t = 1_800_000_000;
    const cli = webhookSignature(secret, body, t);
    expect(await signatureHeader(secret, t, body)).toBe(cli);
    expect(await verifySignature({ header: cli, body, secrets: [secret], nowMs: t * 1000 })).toEqual({ ok: true, secretIndex: 0 });
  });
});
