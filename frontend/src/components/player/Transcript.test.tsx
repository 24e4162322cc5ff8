import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Transcript } from "./Transcript";

const VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nFirst words\n\n00:00:05.000 --> 00:00:09.000\nSecond words\n";
const track = { src: "/media/encoded/abc/subtitles/en.vtt", srclang: "en", label: "English" };

beforeEach(() => {
  // The browser's fetch (not our code) answers with the track.
  vi.stubGlobal("fetch", vi.fn(async () => new Response(VTT, { status: 200 })));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("Transcript", () => {
  it("shows the track's cues, highlights the one playing and seeks on click", async () => {
    const onSeek = vi.fn();
    const { rerender } = render(<Transcript track={track} time={6} onSeek={onSeek} />);
    const second = await screen.findByRole("button", { name: /Second words/ });
    expect(second.getAttribute("aria-current")).toBe("true");
    expect(screen.getByRole("button", { name: /First words/ }).getAttribute("aria-current")).toBeNull();
    expect(screen.getByRole("list").getAttribute("lang")).toBe("en");
    rerender(<Transcript track={track} time={4} onSeek={onSeek} />);
    expect(second.getAttribute("aria-current")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /First words/ }));
    expect(onSeek).toHaveBeenCalledWith(1);
  });

  it("says so when the track cannot be loaded", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("", { status: 410 })));
    render(<Transcript track={track} time={0} onSeek={() => {}} />);
    expect(await screen.findByText("The transcript could not be loaded.")).toBeTruthy();
  });

  it("is not shown without a track", () => {
    const { container } = render(<Transcript track={undefined} time={0} onSeek={() => {}} />);
    expect(container.innerHTML).toBe("");
  });
});
