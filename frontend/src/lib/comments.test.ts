import { describe, expect, it } from "vitest";
import { type Comment, threadComments } from "./comments";

const c = (uid: string, parent: string | null, add_date: string): Comment => ({
  uid,
  parent,
  add_date,
  text: uid,
  author_name: "A",
  author_profile: "/user/a",
  author_thumbnail_url: "",
});

describe("threadComments", () => {
  it("nests replies under their parent, oldest reply first, newest thread first", () => {
    const flat = [
      c("r2", "t1", "2026-01-01T10:05:00Z"),
      c("t2", null, "2026-01-01T10:03:00Z"),
      c("rr", "r1", "2026-01-01T10:04:00Z"),
      c("r1", "t1", "2026-01-01T10:02:00Z"),
      c("t1", null, "2026-01-01T10:01:00Z"),
    ];
    const threads = threadComments(flat);
    expect(threads.map((t) => t.uid)).toEqual(["t2", "t1"]);
    expect(threads[1].replies.map((r) => r.uid)).toEqual(["r1", "r2"]);
    expect(threads[1].replies[0].replies.map((r) => r.uid)).toEqual(["rr"]);
  });

  it("keeps a reply whose parent is missing at the top level", () => {
    const threads = threadComments([c("orphan", "gone", "2026-01-01T10:00:00Z")]);
    expect(threads.map((t) => t.uid)).toEqual(["orphan"]);
  });
});
