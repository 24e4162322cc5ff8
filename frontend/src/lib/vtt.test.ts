import { describe, expect, it } from "vitest";
import { cueAt, cueText, parseVtt } from "./vtt";

const TRACK = [
  "\uFEFFWEBVTT - newsroom",
  "",
  "NOTE written by hand",
  "",
  "STYLE",
  "::cue { color: yellow }",
  "",
  "2",
  "00:00:04.000 --> 00:00:06.500 line:0",
  "<v Reporter>Second</v> &amp; <i>last</i>",
  "",
  "1",
  "00:01.000 --> 00:03.000",
  "First line",
  "and its second line",
  "",
  "00:00:09.000 --> 00:00:08.000",
  "ends before it starts",
  "",
].join("\r\n");

describe("parseVtt", () => {
  it("reads cues sorted by start, without tags, notes or styles", () => {
    expect(parseVtt(TRACK)).toEqual([
      { start: 1, end: 3, text: "First line and its second line" },
      { start: 4, end: 6.5, text: "Second & last" },
    ]);
  });

  it("gives nothing for a file that is not WebVTT", () => {
    expect(parseVtt("1\n00:00:01,000 --> 00:00:02,000\nSRT\n")).toEqual([]);
    expect(parseVtt("")).toEqual([]);
  });
});

describe("cueText", () => {
  it("drops markup and decodes entities", () => {
    expect(cueText("<c.loud>Hi</c> &lt;3\n <b>there</b>")).toBe("Hi <3 there");
  });
});

describe("cueAt", () => {
  const cues = parseVtt(TRACK);
  it("finds the cue playing, or -1 between and outside cues", () => {
    expect(cueAt(cues, 0.5)).toBe(-1);
    expect(cueAt(cues, 1)).toBe(0);
    expect(cueAt(cues, 2.9)).toBe(0);
    expect(cueAt(cues, 3.5)).toBe(-1);
    expect(cueAt(cues, 5)).toBe(1);
    expect(cueAt(cues, 7)).toBe(-1);
  });
});
