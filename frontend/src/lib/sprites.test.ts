import { describe, expect, it } from "vitest";
import { parseSpritesVtt, parseTimestamp, spriteAt, timeAtPointer } from "./sprites";

// The shape the encoder writes (media_app/services/encoding.py: _vtt), three 5-second tiles.
const TRACK = [
  "WEBVTT",
  "",
  "00:00:00.000 --> 00:00:05.000",
  "sprites.jpg#xywh=0,0,160,90",
  "",
  "00:00:05.000 --> 00:00:10.000",
  "sprites.jpg#xywh=160,0,160,90",
  "",
  "00:00:10.000 --> 00:00:12.500",
  "sprites.jpg#xywh=0,90,160,90",
  "",
].join("\n");
const BASE = "http://site.test/media/encoded/abc/sprites.vtt";

describe("parseTimestamp", () => {
  it("reads hours, minutes, seconds and milliseconds", () => {
    expect(parseTimestamp("01:02:03.500")).toBe(3723.5);
    expect(parseTimestamp("02:03.5")).toBe(123.5);
    expect(parseTimestamp("2:03")).toBe(123);
  });
  it("refuses what is not a timestamp", () => {
    expect(parseTimestamp("soon")).toBeNaN();
    expect(parseTimestamp("1:2:3:4")).toBeNaN();
  });
});

describe("parseSpritesVtt", () => {
  it("reads every cue with its tile, resolving the image against the track's address", () => {
    const cues = parseSpritesVtt(TRACK, BASE);
    expect(cues).toHaveLength(3);
    expect(cues[1]).toEqual({
      start: 5,
      end: 10,
      url: "http://site.test/media/encoded/abc/sprites.jpg",
      x: 160,
      y: 0,
      w: 160,
      h: 90,
    });
    expect(cues[2]).toMatchObject({ start: 10, end: 12.5, x: 0, y: 90 });
  });
  it("accepts Windows line ends and cue identifiers", () => {
    const text = "WEBVTT\r\n\r\ntile-1\r\n00:00.000 --> 00:04.000\r\n/s/sheet.jpg#xywh=0,0,10,10\r\n";
    expect(parseSpritesVtt(text, BASE)).toEqual([
      { start: 0, end: 4, url: "http://site.test/s/sheet.jpg", x: 0, y: 0, w: 10, h: 10 },
    ]);
  });
  it("skips malformed cues and refuses what is not WebVTT", () => {
    const text = [
      "WEBVTT",
      "",
      "00:00:05.000 --> 00:00:01.000",
      "sprites.jpg#xywh=0,0,160,90",
      "",
      "00:00:05.000 --> 00:00:10.000",
      "sprites.jpg",
      "",
      "00:00:10.000 --> 00:00:15.000",
      "sprites.jpg#xywh=320,0,160,90",
    ].join("\n");
    expect(parseSpritesVtt(text, BASE).map((c) => c.x)).toEqual([320]);
    expect(parseSpritesVtt("<html>not found</html>", BASE)).toEqual([]);
  });
});

describe("spriteAt", () => {
  const cues = parseSpritesVtt(TRACK, BASE);
  it("finds the tile covering a time, cue ends exclusive", () => {
    expect(spriteAt(cues, 0)?.x).toBe(0);
    expect(spriteAt(cues, 4.99)?.x).toBe(0);
    expect(spriteAt(cues, 5)?.x).toBe(160);
    expect(spriteAt(cues, 11)?.y).toBe(90);
  });
  it("shows the last tile past the end and nothing without cues", () => {
    expect(spriteAt(cues, 99)?.y).toBe(90);
    expect(spriteAt([], 3)).toBeNull();
    expect(spriteAt(cues, Number.NaN)).toBeNull();
  });
});

describe("timeAtPointer", () => {
  it("maps the pointer's place on the bar to a time, clamped to the bar", () => {
    expect(timeAtPointer(150, 100, 200, 60)).toBe(15);
    expect(timeAtPointer(50, 100, 200, 60)).toBe(0);
    expect(timeAtPointer(400, 100, 200, 60)).toBe(60);
    expect(timeAtPointer(150, 100, 0, 60)).toBe(0);
  });
});
