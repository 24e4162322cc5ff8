import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ContentCredentials } from "./ContentCredentials";

afterEach(cleanup);

const signed = {
  signed: true,
  trusted: true,
  development: false,
  signer: { subject: "Newsroom Signer", organization: "Daily Planet", issuer: "Some CA" },
  actions: ["c2pa.opened", "c2pa.transcoded", "c2pa.edited.metadata", "c2pa.published"],
  published_at: "2026-12-06T05:00:00+00:00",
  author: { name: "Lois Lane", url: "/user/lois", verified_at: "2026-01-02T00:00:00+00:00", outlet: "Daily Planet" },
  incoming: { status: "invalid" as const, codes: ["assertion.dataHash.mismatch"] },
  original: { sha256: "a".repeat(64) },
  files: [{ role: "thumbnail", signed: true, sha256: "b".repeat(64) }],
  renditions: [{ rendition: "720p", sha256: "c".repeat(64), manifest: "manifest.c2pa" }],
};

describe("ContentCredentials", () => {
  it("shows who signed, what was done, the incoming verdict and the hashes", () => {
    render(<ContentCredentials media={{ provenance: signed }} />);
    expect(screen.getByText("Signed by Daily Planet.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Lois Lane" }).getAttribute("href")).toBe("/user/lois");
    expect(screen.getByText(/opened the original, re-encoded, removed identifying metadata, published/)).toBeTruthy();
    expect(screen.getByText(/were invalid/).textContent).toContain("assertion.dataHash.mismatch");
    expect(screen.getByTitle("a".repeat(64))).toBeTruthy();
    expect(screen.getByText("720p (stream)")).toBeTruthy();
    expect(screen.getByTitle("c".repeat(64))).toBeTruthy();
  });

  it("says a development certificate is untrusted, and when nothing is signed", () => {
    render(<ContentCredentials media={{ provenance: { ...signed, development: true, trusted: false } }} />);
    expect(screen.getByText(/development certificate: untrusted/)).toBeTruthy();
    cleanup();
    render(<ContentCredentials media={{ provenance: { signed: false, reason: "signing failed" } }} />);
    expect(screen.getByText("Not signed: no Content Credentials (signing failed).")).toBeTruthy();
  });

  it("renders nothing without a record", () => {
    const { container } = render(<ContentCredentials media={{}} />);
    expect(container.innerHTML).toBe("");
  });
});
