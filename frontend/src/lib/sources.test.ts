import { describe, expect, it } from "vitest";
import type { MediaDetail } from "../api";
import { bestMp4, chooseSource, encodingProgress } from "./sources";

function media(over: Partial<MediaDetail>): MediaDetail {
  return {
    media_type: "video",
    encoding_status: "success",
    hls_info: {},
    encodings_info: {},
    poster_url: null,
    original_media_url: "/media/original/x.mp4",
    ...over,
  } as MediaDetail;
}

const enc = (status: string, progress: number, url: string | null) => ({ h264: { title: "", status, progress, url } });

describe("chooseSource", () => {
  it("plays the HLS master when there is one, even while the ladder is still encoding", () => {
    const m = media({ encoding_status: "running", hls_info: { master_file: "/media/hls/x/master.m3u8" } });
    expect(chooseSource(m)).toEqual({ kind: "hls", url: "/media/hls/x/master.m3u8" });
  });

  it("falls back to the highest finished MP4", () => {
    const m = media({
      encodings_info: {
        "1080": enc("running", 40, null),
        "720": enc("success", 100, "/media/720.mp4"),
        "240": enc("success", 100, "/media/240.mp4"),
      },
    });
    expect(bestMp4(m)).toBe("/media/720.mp4");
    expect(chooseSource(m)).toEqual({ kind: "mp4", url: "/media/720.mp4" });
  });

  it("says encoding, with the mean progress of the renditions", () => {
    const m = media({
      encoding_status: "running",
      encodings_info: { "480": enc("running", 50, null), "240": enc("success", 100, null) },
    });
    expect(encodingProgress(m)).toBe(75);
    expect(chooseSource(m)).toEqual({ kind: "encoding", progress: 75 });
  });

  it("does not play the original while encoding (it may not be playable)", () => {
    const m = media({ encoding_status: "pending", encodings_info: { "0-original": enc("pending", 0, "/o.mov") } });
    expect(chooseSource(m)).toEqual({ kind: "encoding", progress: null });
  });

  it("reports a failed encoding with its reason", () => {
    const m = media({ encoding_status: "fail", encoding_fail_reason: "Not a media file." });
    expect(chooseSource(m)).toEqual({ kind: "failed", reason: "Not a media file." });
  });

  it("shows images and links documents", () => {
    expect(chooseSource(media({ media_type: "image", poster_url: "/p.jpg" }))).toEqual({ kind: "image", url: "/p.jpg" });
    expect(chooseSource(media({ media_type: "pdf" }))).toEqual({ kind: "document", url: "/media/original/x.mp4" });
  });
});
