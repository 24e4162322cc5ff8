import { describe, expect, it } from "vitest";
import { actionText, incomingText, shortHash, signatureState } from "./provenance";

describe("signatureState", () => {
  it("says not signed, with the reason", () => {
    expect(signatureState({ signed: false, reason: "no key" })).toEqual({
      tone: "none",
      text: "Not signed: no Content Credentials (no key).",
    });
    expect(signatureState(undefined).tone).toBe("none");
  });
  it("calls a development certificate untrusted", () => {
    expect(signatureState({ signed: true, development: true }).text).toMatch(/development certificate: untrusted/);
  });
  it("names the signer", () => {
    const p = { signed: true, trusted: true, signer: { organization: "Daily Planet", subject: "x" } };
    expect(signatureState(p)).toEqual({ tone: "ok", text: "Signed by Daily Planet." });
    expect(signatureState({ ...p, trusted: false }).tone).toBe("warn");
  });
});

describe("texts", () => {
  it("describes incoming credentials and actions", () => {
    expect(incomingText("invalid")).toMatch(/invalid/);
    expect(incomingText(undefined)).toMatch(/no Content Credentials/);
    expect(actionText("c2pa.edited.metadata")).toBe("removed identifying metadata");
    expect(actionText("c2pa.resized")).toBe("resized");
  });
  it("shortens a hash", () => {
    expect(shortHash("a".repeat(64))).toBe(`${"a".repeat(12)}…${"a".repeat(6)}`);
    expect(shortHash(undefined)).toBe("–");
  });
});
