import { describe, expect, it } from "vitest";
import { type Correction, type HistoryEntry, describeEntry, latestRetraction, mediaWithheld } from "./corrections";

const correction = (kind: Correction["kind"], hide_media = false): Correction => ({
  id: 1,
  kind,
  text: "t",
  reason: "",
  hide_media,
  created_at: "2026-12-06T05:00:00Z",
  by: "ed",
  media: "abc",
  media_title: "A",
  media_url: "/view?m=abc",
});

const entry = (kind: string, change: unknown, by: string | null = "ed"): HistoryEntry => ({
  seq: 1,
  kind,
  created_at: "2026-12-06T05:00:00Z",
  payload: JSON.stringify({ change, by }),
  prev_hash: "0".repeat(64),
  entry_hash: "f".repeat(64),
});

describe("mediaWithheld", () => {
  it("withholds the player only for a hiding retraction without files", () => {
    const hidden = { retracted: true, corrections: [correction("retraction", true)], hls_info: {}, encodings_info: {} };
    expect(mediaWithheld(hidden)).toBe(true);
    expect(mediaWithheld({ ...hidden, hls_info: { master_file: "/m.m3u8" } })).toBe(false);
    expect(mediaWithheld({ ...hidden, corrections: [correction("retraction", false)] })).toBe(false);
    expect(mediaWithheld({ ...hidden, retracted: false })).toBe(false);
  });
  it("takes the newest retraction", () => {
    const list = [correction("update"), correction("retraction", true), correction("retraction")];
    expect(latestRetraction(list)?.hide_media).toBe(true);
  });
});

describe("describeEntry", () => {
  it("says what changed", () => {
    expect(describeEntry(entry("edited", { title: { from: "A", to: "B" } }))).toBe("title: A → B by ed");
    expect(describeEntry(entry("published", { title: "A", state: "public" }, null))).toBe("Published as “A” (public)");
    expect(describeEntry(entry("retraction", { text: "Gone" }))).toBe("Retraction: Gone by ed");
  });
});
