import { describe, expect, it } from "vitest";
import { hostAllowed, isInternalHost, normalizeHost, parseHostList } from "../../../src/tasks/http/allow-list";

describe("host allow-lists", () => {
  it("matches exact names, ignoring case and a trailing dot", () => {
    expect(hostAllowed(["api.example.com"], "API.Example.com.")).toBe(true);
    expect(hostAllowed(["api.example.com"], "example.com")).toBe(false);
    expect(hostAllowed(["api.example.com"], "api.example.com.evil.net")).toBe(false);
  });

  it("matches subdomains at any depth with *.name, not the name itself", () => {
    const list = ["*.example.com"];
    expect(hostAllowed(list, "a.example.com")).toBe(true);
    expect(hostAllowed(list, "a.b.example.com")).toBe(true);
    expect(hostAllowed(list, "example.com")).toBe(false);
    expect(hostAllowed(list, "badexample.com")).toBe(false);
    expect(hostAllowed(list, "example.com.evil.net")).toBe(false);
  });

  it("lets * match any public host but never an internal one", () => {
    expect(hostAllowed(["*"], "example.org")).toBe(true);
    expect(hostAllowed(["*"], "93.184.216.34")).toBe(true);
    for (const h of ["localhost", "app.localhost", "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "[::1]", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:7f00:1"]) {
      expect(hostAllowed(["*"], h), h).toBe(false);
      expect(isInternalHost(normalizeHost(h)), h).toBe(true);
    }
    expect(isInternalHost("172.32.0.1")).toBe(false);
    expect(isInternalHost("2606:4700::1111")).toBe(false);
  });

  it("admits an internal host listed exactly, IPv6 with or without brackets", () => {
    expect(hostAllowed(["127.0.0.1"], "127.0.0.1")).toBe(true);
    expect(hostAllowed(["[::1]"], "[::1]")).toBe(true);
    expect(hostAllowed(["::1"], "[::1]")).toBe(true);
    expect(hostAllowed(["localhost"], "localhost")).toBe(true);
    expect(hostAllowed(["*.0.0.1"], "127.0.0.1")).toBe(false);
  });

  it("admits nothing with an empty list", () => {
    expect(hostAllowed([], "example.com")).toBe(false);
  });

  it("parses a deployment setting", () => {
    expect(parseHostList(undefined)).toBeUndefined();
    expect(parseHostList("  ")).toBeUndefined();
    expect(parseHostList("api.example.com, *.example.org\n127.0.0.1")).toEqual(["api.example.com", "*.example.org", "127.0.0.1"]);
    expect(() => parseHostList("https://example.com")).toThrow(/invalid host allow-list entry/);
  });
});
