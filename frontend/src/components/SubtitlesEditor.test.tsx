import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import SubtitlesEditor from "./SubtitlesEditor";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const EN = { language: "en", srclang: "en", label: "English", src: "/media/encoded/x/subtitles/en.vtt" };

describe("SubtitlesEditor", () => {
  it("uploads a file with its language and label, then lists the track", async () => {
    let tracks: unknown[] = [];
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.method === "POST") {
        tracks = [EN];
        return json(201, EN);
      }
      return json(200, tracks);
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<SubtitlesEditor token="abc" />);
    expect(await screen.findByText("No subtitles yet.")).toBeTruthy();
    const file = new File(["1\n00:00:01,000 --> 00:00:02,000\nHi\n"], "hi.srt");
    fireEvent.change(screen.getByLabelText("Subtitle file (WebVTT or SRT)"), { target: { files: [file] } });
    fireEvent.change(screen.getByLabelText("Language"), { target: { value: "en" } });
    fireEvent.click(screen.getByRole("button", { name: "Upload subtitles" }));
    expect(await screen.findByText("Subtitles saved: English (en).")).toBeTruthy();
    expect(await screen.findByRole("button", { name: "Remove the English subtitles" })).toBeTruthy();
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(post[0]).toBe("/api/v1/media/abc/subtitles");
    const form = post[1]?.body as FormData;
    expect(form.get("language")).toBe("en");
    expect((form.get("file") as File).name).toBe("hi.srt");
    expect(form.get("label")).toBeNull();
  });

  it("shows the line a refused file fails on", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init?: RequestInit) =>
        init?.method === "POST"
          ? json(400, { file: ["Line 6: overlap"], detail: "Line 6: this cue starts at 00:00:02.000, before the previous one", line: 6 })
          : json(200, []),
      ),
    );
    render(<SubtitlesEditor token="abc" />);
    await screen.findByText("No subtitles yet.");
    fireEvent.change(screen.getByLabelText("Subtitle file (WebVTT or SRT)"), {
      target: { files: [new File(["x"], "bad.srt")] },
    });
    fireEvent.change(screen.getByLabelText("Language"), { target: { value: "fr" } });
    fireEvent.click(screen.getByRole("button", { name: "Upload subtitles" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^Line 6:/);
    expect(alert.getAttribute("data-line")).toBe("6");
  });

  it("removes a track", async () => {
    let tracks: unknown[] = [EN];
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.method === "DELETE") {
        tracks = [];
        return new Response(null, { status: 204 });
      }
      return json(200, tracks);
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<SubtitlesEditor token="abc" />);
    fireEvent.click(await screen.findByRole("button", { name: "Remove the English subtitles" }));
    expect(await screen.findByText("No subtitles yet.")).toBeTruthy();
    expect(fetchMock.mock.calls.some(([url, init]) => init?.method === "DELETE" && url === "/api/v1/media/abc/subtitles/en")).toBe(true);
  });
});
