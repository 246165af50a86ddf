import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("serves health", async () => {
  const res = await exports.default.fetch("http://weft.test/health");
  expect(await res.json()).toEqual({ status: "ok" });
});
