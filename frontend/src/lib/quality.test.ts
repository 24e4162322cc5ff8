import { describe, expect, it } from "vitest";
import { AUTO, qualityOptions } from "./quality";

const levels = [
  { height: 240, bitrate: 400_000 },
  { height: 720, bitrate: 2_500_000 },
  { height: 480, bitrate: 1_000_000 },
];

describe("qualityOptions", () => {
  it("offers automatic first, then the renditions highest first with their hls.js index", () => {
    expect(qualityOptions(levels, -1)).toEqual([
      { value: AUTO, label: "Auto" },
      { value: 1, label: "720p" },
      { value: 2, label: "480p" },
      { value: 0, label: "240p" },
    ]);
  });

  it("says what automatic is playing now", () => {
    expect(qualityOptions(levels, 2)[0]).toEqual({ value: AUTO, label: "Auto (480p)" });
  });

  it("names an audio-only rendition by its bitrate", () => {
    expect(qualityOptions([{ height: 0, bitrate: 128_000 }], 0)[1].label).toBe("128 kbps");
  });
});
