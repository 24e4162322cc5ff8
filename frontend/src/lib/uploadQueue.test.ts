import { describe, expect, it } from "vitest";
import { type UploadAction, type UploadItem, eta, speed, toStart, uploadReducer } from "./uploadQueue";

function run(actions: UploadAction[], start: UploadItem[] = []): UploadItem[] {
  return actions.reduce(uploadReducer, start);
}

const three = run([
  { type: "add", id: "a", name: "a.mp4", size: 1000 },
  { type: "add", id: "b", name: "b.mp4", size: 2000 },
  { type: "add", id: "c", name: "c.mp4", size: 3000 },
]);

describe("upload queue", () => {
  it("adds files waiting, once each", () => {
    const again = uploadReducer(three, { type: "add", id: "a", name: "a.mp4", size: 1000 });
    expect(again.map((i) => [i.id, i.status])).toEqual([
      ["a", "queued"],
      ["b", "queued"],
      ["c", "queued"],
    ]);
  });

  it("starts no more than the limit at once, and the next when one finishes", () => {
    expect(toStart(three, 2)).toEqual(["a", "b"]);
    const running = run([{ type: "start", id: "a" }, { type: "start", id: "b" }], three);
    expect(toStart(running, 2)).toEqual([]);
    const oneDone = uploadReducer(running, { type: "done", id: "a", mediaToken: "tok123456" });
    expect(toStart(oneDone, 2)).toEqual(["c"]);
  });

  it("a refused file fails with its reason while the others keep going", () => {
    const state = run(
      [
        { type: "start", id: "a" },
        { type: "start", id: "b" },
        { type: "progress", id: "a", sent: 500, at: 1000 },
        { type: "failed", id: "b", error: "Not a media file." },
        { type: "progress", id: "a", sent: 800, at: 2000 },
      ],
      three,
    );
    expect(state[0]).toMatchObject({ status: "uploading", sent: 800 });
    expect(state[1]).toMatchObject({ status: "failed", error: "Not a media file.", retryable: false });
  });

  it("shows retrying on a dropped connection, and uploading again when bytes flow", () => {
    let state = run([{ type: "start", id: "a" }, { type: "progress", id: "a", sent: 100, at: 0 }], three);
    state = uploadReducer(state, { type: "retrying", id: "a", reason: "Connection lost; retrying…" });
    expect(state[0]).toMatchObject({ status: "retrying", error: "Connection lost; retrying…" });
    expect(speed(state[0])).toBeNull();
    state = uploadReducer(state, { type: "progress", id: "a", sent: 300, at: 5000 });
    expect(state[0]).toMatchObject({ status: "uploading", error: "", sent: 300 });
  });

  it("computes speed and time left from progress", () => {
    const state = run(
      [
        { type: "start", id: "c" },
        { type: "progress", id: "c", sent: 0, at: 0 },
        { type: "progress", id: "c", sent: 1000, at: 1000 },
      ],
      three,
    );
    expect(speed(state[2])).toBe(1000);
    expect(eta(state[2])).toBe(2);
  });

  it("ignores late progress after a cancel", () => {
    const state = run(
      [
        { type: "start", id: "a" },
        { type: "cancelled", id: "a" },
        { type: "progress", id: "a", sent: 900, at: 10 },
        { type: "retrying", id: "a", reason: "x" },
      ],
      three,
    );
    expect(state[0]).toMatchObject({ status: "cancelled", sent: 0 });
  });

  it("marks a resumed upload and fills the bar when done", () => {
    const state = run(
      [
        { type: "start", id: "b", resuming: true },
        { type: "done", id: "b", mediaToken: "AbCdEfGh1" },
      ],
      three,
    );
    expect(state[1]).toMatchObject({ status: "done", sent: 2000, mediaToken: "AbCdEfGh1", resuming: true });
  });
});
