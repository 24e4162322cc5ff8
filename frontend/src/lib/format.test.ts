import { describe, expect, it } from "vitest";
import { etaOf, formatBytes, formatDuration, formatEta, formatSpeed, percent, speedOf, trimSamples } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 KB"],
    [1_536_000, "1.5 MB"],
    [250_000_000, "250 MB"],
    [3_200_000_000, "3.2 GB"],
  ])("%d bytes reads %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it("shows a dash for nonsense", () => {
    expect(formatBytes(-1)).toBe("–");
    expect(formatBytes(Number.NaN)).toBe("–");
  });
});

describe("formatSpeed", () => {
  it("is per second, and a dash while unknown", () => {
    expect(formatSpeed(2_500_000)).toBe("2.5 MB/s");
    expect(formatSpeed(null)).toBe("–");
    expect(formatSpeed(0)).toBe("–");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [9.6, "0:10"],
    [247, "4:07"],
    [3909, "1:05:09"],
  ])("%d s reads %s", (s, text) => expect(formatDuration(s)).toBe(text));
  it("has a dash when unknown", () => expect(formatDuration(undefined)).toBe("–"));
});

describe("formatEta", () => {
  it.each([
    [null, "time left unknown"],
    [0.2, "almost done"],
    [11.2, "12 s left"],
    [185, "about 3 min left"],
    [3600 + 25 * 60, "about 1 h 25 min left"],
  ])("%s s reads %s", (s, text) => expect(formatEta(s as number | null)).toBe(text));
});

describe("percent", () => {
  it("is floored and clamped", () => {
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(5, 0)).toBe(0);
    expect(percent(2000, 1000)).toBe(100);
  });
});

describe("speed over a moving window", () => {
  it("needs two samples", () => {
    expect(speedOf([])).toBeNull();
    expect(speedOf([{ at: 0, bytes: 0 }])).toBeNull();
  });

  it("measures only the last window, so an early stall does not drag it down", () => {
    const samples = [
      { at: 0, bytes: 0 },
      { at: 20_000, bytes: 1_000_000 }, // slow start: 50 kB/s
      { at: 21_000, bytes: 3_000_000 },
      { at: 22_000, bytes: 5_000_000 },
    ];
    expect(speedOf(samples, 5000)).toBe(2_000_000);
  });

  it("gives time left from the remaining bytes", () => {
    expect(etaOf(10_000_000, 2_000_000)).toBe(5);
    expect(etaOf(10, null)).toBeNull();
    expect(etaOf(10, 0)).toBeNull();
  });

  it("keeps a bounded number of samples", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ at: i * 100, bytes: i * 10 }));
    const kept = trimSamples(many, 5000);
    expect(kept.length).toBeLessThanOrEqual(52);
    expect(speedOf(kept, 5000)).toBeCloseTo(100);
  });
});
