import { describe, expect, it } from "vitest";
import { selectAllState } from "../../pages/MyMedia";
import { bulkBody } from "./BulkBar";
import { changedFields } from "./DetailsForm";
import { pickCandidates } from "./ThumbnailChooser";
import { freshUrl } from "./api";

const draft = {
  title: "A",
  description: "",
  tags: "x, y",
  categories: ["Climate", "Courts"],
  state: "public",
  allow_download: true,
  enable_comments: true,
  embed_domains: "",
  language: "",
};

describe("the studio", () => {
  it("sends only the fields that changed", () => {
    expect(changedFields(draft, { ...draft })).toEqual({});
    expect(changedFields(draft, { ...draft, categories: ["Courts", "Climate"] })).toEqual({});
    expect(changedFields(draft, { ...draft, title: "B", allow_download: false })).toEqual({ title: "B", allow_download: false });
    expect(changedFields(draft, { ...draft, language: "fr" })).toEqual({ language: "fr" });
  });

  it("spreads the candidate frames over the video", () => {
    const cues = Array.from({ length: 50 }, (_, i) => ({ start: i, end: i + 1, url: "s.jpg", x: 0, y: 0, w: 10, h: 10 }));
    const picked = pickCandidates(cues, 10);
    expect(picked.map((c) => c.start)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(pickCandidates(cues.slice(0, 3), 10)).toHaveLength(3);
  });

  it("builds bulk bodies and refuses a missing parameter", () => {
    expect(bulkBody("set_state", ["a"], "unlisted")).toEqual({ media_ids: ["a"], action: "set_state", state: "unlisted" });
    expect(bulkBody("add_to_playlist", ["a"], "p1")).toEqual({ media_ids: ["a"], action: "add_to_playlist", playlist_ids: ["p1"] });
    expect(bulkBody("add_tags", ["a"], "  ")).toBeNull();
    expect(bulkBody("delete_media", ["a", "b"], "")).toEqual({ media_ids: ["a", "b"], action: "delete_media" });
  });

  it("knows the select-all box's state", () => {
    expect(selectAllState(["a", "b"], new Set())).toBe("none");
    expect(selectAllState(["a", "b"], new Set(["a"]))).toBe("some");
    expect(selectAllState(["a", "b"], new Set(["a", "b"]))).toBe("all");
  });

  it("makes still URLs change with the media, never touching signed ones", () => {
    expect(freshUrl("/media/encoded/u/poster.jpg", "2026-01-01T00:00:00Z")).toBe("/media/encoded/u/poster.jpg?v=2026-01-01T00%3A00%3A00Z");
    expect(freshUrl("https://s3/x.jpg?X-Amz-Signature=1", "v")).toBe("https://s3/x.jpg?X-Amz-Signature=1");
    expect(freshUrl(null, "v")).toBeNull();
  });
});
