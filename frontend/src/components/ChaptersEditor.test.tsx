import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatClock, parseClock } from "../lib/tracksApi";
import ChaptersEditor from "./ChaptersEditor";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("chapter times", () => {
  it("read seconds, m:ss and h:mm:ss, and write them back", () => {
    expect(parseClock("75")).toBe(75);
    expect(parseClock("1:05.5")).toBe(65.5);
    expect(parseClock("1:02:03")).toBe(3723);
    expect(Number.isNaN(parseClock("1:75"))).toBe(true);
    expect(Number.isNaN(parseClock("soon"))).toBe(true);
    expect(formatClock(65.5)).toBe("1:05.5");
    expect(formatClock(3723)).toBe("1:02:03");
    expect(formatClock(0)).toBe("0:00");
  });
});

describe("ChaptersEditor", () => {
  it("lists the chapters, adds one and saves them all", async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      if (!init || init.method === "GET") return json(200, { chapters: [{ start: 0, title: "Intro" }] });
      return json(200, JSON.parse(String(init.body)));
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<ChaptersEditor token="abc" />);
    expect(await screen.findByDisplayValue("Intro")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add a chapter" }));
    const title = screen.getByLabelText("Title of chapter 2") as HTMLInputElement;
    expect((screen.getByLabelText("Start of chapter 2") as HTMLInputElement).value).toBe("0:10");
    fireEvent.change(title, { target: { value: "The vote" } });
    fireEvent.click(screen.getByRole("button", { name: "Save chapters" }));
    await screen.findByText("Chapters saved.");
    const [url, init] = fetchMock.mock.calls.at(-1)!;
    expect(url).toBe("/api/v1/media/abc/chapters");
    expect(init?.method).toBe("PUT");
    expect(JSON.parse(String(init?.body))).toEqual({
      chapters: [
        { start: 0, title: "Intro" },
        { start: 10, title: "The vote" },
      ],
    });
  });

  it("shows the server's refusal and marks the entry it names", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init?: RequestInit) => {
        if (!init || init.method === "GET")
          return json(200, { chapters: [{ start: 0, title: "A" }, { start: 5, title: "B" }] });
        return json(400, { chapters: ["Chapter 2 (entry 1): past the end"], detail: "Chapter 2 (entry 1): past the end", entry: 1 });
      }),
    );
    render(<ChaptersEditor token="abc" />);
    await screen.findByDisplayValue("B");
    fireEvent.click(screen.getByRole("button", { name: "Save chapters" }));
    expect((await screen.findByRole("alert")).textContent).toContain("entry 1");
    await waitFor(() => expect(screen.getByLabelText("Title of chapter 2").getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByLabelText("Title of chapter 1").getAttribute("aria-invalid")).toBeNull();
  });

  it("refuses a time it cannot read before sending, naming the row", async () => {
    const fetchMock = vi.fn(async () => json(200, { chapters: [] }));
    vi.stubGlobal("fetch", fetchMock);
    render(<ChaptersEditor token="abc" />);
    fireEvent.click(await screen.findByRole("button", { name: "Add a chapter" }));
    fireEvent.change(screen.getByLabelText("Start of chapter 1"), { target: { value: "later" } });
    fireEvent.click(screen.getByRole("button", { name: "Save chapters" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Chapter 1");
    expect(fetchMock).toHaveBeenCalledTimes(1); // the GET only
  });
});
