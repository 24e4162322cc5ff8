import { describe, expect, it } from "vitest";
import { type Comment, canDeleteComment, commentAuthor, threadComments, withoutComment } from "./comments";

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

describe("who may delete a comment", () => {
  const mine = { ...c("m", null, "2026-01-01T10:00:00Z"), author_profile: "http://site.test/user/ana.b%40x" };
  it("reads the author from the channel address", () => {
    expect(commentAuthor(mine)).toBe("ana.b@x");
    expect(commentAuthor({ author_profile: "/user/bo/" })).toBe("bo");
    expect(commentAuthor({ author_profile: "/somewhere/else" })).toBe("");
  });
  it("is the author, the media's owner or an editor, never an anonymous visitor", () => {
    expect(canDeleteComment(mine, { username: "ana.b@x", is_editor: false }, "owner")).toBe(true);
    expect(canDeleteComment(mine, { username: "owner", is_editor: false }, "owner")).toBe(true);
    expect(canDeleteComment(mine, { username: "ed", is_editor: true }, "owner")).toBe(true);
    expect(canDeleteComment(mine, { username: "someone", is_editor: false }, "owner")).toBe(false);
    expect(canDeleteComment(mine, { username: "", is_editor: false }, "")).toBe(false);
  });
});

describe("withoutComment", () => {
  it("drops the comment and every reply under it", () => {
    const flat = [
      c("t1", null, "1"),
      c("r1", "t1", "2"),
      c("rr", "r1", "3"),
      c("t2", null, "4"),
      c("r2", "t2", "5"),
    ];
    expect(withoutComment(flat, "t1").map((x) => x.uid)).toEqual(["t2", "r2"]);
    expect(withoutComment(flat, "r2").map((x) => x.uid)).toEqual(["t1", "r1", "rr", "t2"]);
  });
});
