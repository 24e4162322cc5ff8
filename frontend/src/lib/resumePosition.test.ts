import { afterEach, describe, expect, it } from "vitest";
import { loadPosition, savePosition, worthResuming } from "./resumePosition";

afterEach(() => window.localStorage.clear());

describe("worthResuming", () => {
  it("skips the first and last five seconds", () => {
    expect(worthResuming(5, 60)).toBe(false);
    expect(worthResuming(5.5, 60)).toBe(true);
    expect(worthResuming(54.9, 60)).toBe(true);
    expect(worthResuming(55, 60)).toBe(false);
    expect(worthResuming(30, Number.NaN)).toBe(true);
  });
});

describe("savePosition / loadPosition", () => {
  it("keeps one position per media and forgets one not worth resuming", () => {
    savePosition("abc", 21.7, 60);
    savePosition("def", 40, 120);
    expect(loadPosition("abc")).toBe(21);
    expect(loadPosition("def")).toBe(40);
    savePosition("abc", 58, 60);
    expect(loadPosition("abc")).toBeNull();
    expect(loadPosition("def")).toBe(40);
  });

  it("ignores what it cannot read", () => {
    window.localStorage.setItem("op-resume:bad", "{not json");
    expect(loadPosition("bad")).toBeNull();
    expect(loadPosition("never")).toBeNull();
  });
});
