import { describe, expect, it } from "vitest";
import { chapterAt, readChapters } from "./chapters";

describe("readChapters", () => {
  it("reads ours and MediaCMS's shapes, sorted by start", () => {
    expect(
      readChapters([
        { start: 30, title: "Interview" },
        { startTime: "00:00:10.500", chapterTitle: "The harbour" },
        { startTime: "0", chapterTitle: " Opening " },
      ]),
    ).toEqual([
      { start: 0, title: "Opening" },
      { start: 10.5, title: "The harbour" },
      { start: 30, title: "Interview" },
    ]);
  });

  it("leaves out entries without a start or a title, and anything not a list", () => {
    expect(readChapters([{ start: -1, title: "x" }, { start: 3 }, { title: "y" }, null, "z"])).toEqual([]);
    expect(readChapters(null)).toEqual([]);
    expect(readChapters({ start: 1, title: "x" })).toEqual([]);
  });
});

describe("chapterAt", () => {
  const chapters = readChapters([
    { start: 5, title: "A" },
    { start: 20, title: "B" },
  ]);
  it("is the last chapter started", () => {
    expect(chapterAt(chapters, 0)).toBe(-1);
    expect(chapterAt(chapters, 5)).toBe(0);
    expect(chapterAt(chapters, 19.9)).toBe(0);
    expect(chapterAt(chapters, 400)).toBe(1);
  });
});
