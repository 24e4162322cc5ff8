import { describe, expect, it } from "vitest";
import { AUTO, qualityOptions, sameLevel } from "./quality";

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

describe("sameLevel", () => {
  it("finds the chosen rendition in a reloaded master, wherever it now sits", () => {
    const grown = [{ height: 1080, bitrate: 5_000_000 }, ...levels];
    expect(sameLevel(grown, { height: 480, bitrate: 1_000_000 })).toBe(3);
    expect(sameLevel(levels, { height: 480, bitrate: 1_000_000 })).toBe(2);
  });

  it("prefers the nearest bitrate among renditions of one height", () => {
    const two = [
      { height: 720, bitrate: 4_000_000 },
      { height: 720, bitrate: 2_400_000 },
    ];
    expect(sameLevel(two, { height: 720, bitrate: 2_500_000 })).toBe(1);
  });

  it("goes back to automatic when the rendition is gone or none was chosen", () => {
    expect(sameLevel(levels, { height: 1080, bitrate: 5_000_000 })).toBe(AUTO);
    expect(sameLevel(levels, null)).toBe(AUTO);
  });
});
