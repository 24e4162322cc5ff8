/// <reference types="node" />
/** The S3 uploader against a small HTTP server that answers the upload API's contract and
 * stores parts like a bucket (CORS included), so Uppy, its XHRs and our wiring run for real:
 * only the far ends are stand-ins. The browser test (tests/browser/test_upload_s3.py) runs the
 * same code against the real API and a real S3 server. */

import "fake-indexeddb/auto"; // jsdom has no IndexedDB, which Golden Retriever keeps small files in
import { createHash, randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3Settings } from "./s3Api";
import { type S3Events, S3Uploader, partCount, partSizeFor } from "./s3Upload";

const MiB = 1024 * 1024;
const PART = 5 * MiB;

type Upload = { key: string; size: number; body: Record<string, unknown>; parts: Map<number, Buffer>; deleted: boolean };

type Api = {
  base: string;
  uploads: Map<string, Upload>;
  calls: string[];
  inFlight: number;
  maxInFlight: number;
  /** Answers for part PUTs: return a status to refuse, "hang" to never answer, or undefined. */
  onPut: (part: number, attempt: number) => number | "hang" | undefined;
  completed: { parts: { PartNumber: number; ETag: string }[]; state?: unknown }[];
  close: () => Promise<void>;
};

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function json(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

async function startApi(): Promise<Api> {
  const attempts = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  const api: Api = {
    base: "",
    uploads: new Map(),
    calls: [],
    inFlight: 0,
    maxInFlight: 0,
    onPut: () => undefined,
    completed: [],
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", api.base);
    const path = url.pathname;
    // The "bucket": another origin, so the browser's CORS rules apply as with a real one.
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Methods", "PUT");
    res.setHeader("Access-Control-Allow-Headers", "*");
    res.setHeader("Access-Control-Expose-Headers", "ETag");
    if (req.method === "OPTIONS") return res.end();
    const body = await read(req);
    const bucket = path.match(/^\/bucket\/([0-9a-f-]+)$/);
    if (bucket && req.method === "PUT") {
      const upload = api.uploads.get(url.searchParams.get("uploadId") ?? "");
      const part = Number(url.searchParams.get("partNumber"));
      const tries = (attempts.get(`${upload?.key}:${part}`) ?? 0) + 1;
      attempts.set(`${upload?.key}:${part}`, tries);
      api.calls.push(`PUT ${part}`);
      const verdict = api.onPut(part, tries);
      if (verdict === "hang") {
        hanging.push(res);
        return;
      }
      if (!upload || upload.deleted) return json(res, 404);
      if (verdict) return json(res, verdict);
      api.inFlight += 1;
      api.maxInFlight = Math.max(api.maxInFlight, api.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 40));
      api.inFlight -= 1;
      upload.parts.set(part, body);
      res.writeHead(200, { ETag: `"${createHash("md5").update(body).digest("hex")}"` });
      return res.end();
    }
    const route = path.replace(/^\/api\/v1\/uploads\/s3/, "");
    const data = body.length ? JSON.parse(body.toString()) : {};
    api.calls.push(`${req.method} ${route.replace(/[0-9a-f-]{36}/, "<id>")}`);
    if (route === "" && req.method === "GET") return json(res, 200, { enabled: true, part_size: PART, max_size: 0 });
    if (route === "" && req.method === "POST") {
      if (data.size > 60 * MiB) return json(res, 413, { detail: "This file would go over your storage quota." });
      const id = randomUUID();
      api.uploads.set(id, { key: randomUUID(), size: data.size, body: data, parts: new Map(), deleted: false });
      return json(res, 201, { upload: id, key: api.uploads.get(id)?.key, part_size: PART, parts: Math.ceil(data.size / PART) });
    }
    const [, id, rest] = route.match(/^\/([0-9a-f-]+)(.*)$/) ?? [];
    const upload = api.uploads.get(id);
    if (!upload || upload.deleted) return json(res, 404, { detail: "No such upload." });
    if (rest === "" && req.method === "DELETE") {
      upload.deleted = true;
      return json(res, 204);
    }
    const sign = rest.match(/^\/parts\/(\d+)$/);
    if (sign && req.method === "POST") {
      return json(res, 200, { url: `${api.base}/bucket/${upload.key}?uploadId=${id}&partNumber=${sign[1]}`, headers: {} });
    }
    if (rest === "/parts" && req.method === "GET") {
      return json(
        res,
        200,
        [...upload.parts].map(([n, bytes]) => ({ PartNumber: n, Size: bytes.length, ETag: `"${createHash("md5").update(bytes).digest("hex")}"` })),
      );
    }
    if (rest === "/complete" && req.method === "POST") {
      api.completed.push(data);
      return json(res, 201, { friendly_token: "tok123", title: upload.body.filename });
    }
    return json(res, 404, { detail: "Not found." });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** ``size`` bytes whose every 4-byte word is its offset: any misplaced part shows. */
function content(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32BE(i, i);
  return bytes;
}

function makeFile(name: string, size: number): File {
  return new File([content(size)], name, { type: "video/mp4", lastModified: 1_700_000_000_000 });
}

async function bytesOf(file: File): Promise<Buffer> {
  return content(file.size);
}

function assembled(upload: Upload): Buffer {
  return Buffer.concat([...upload.parts.keys()].sort((a, b) => a - b).map((n) => upload.parts.get(n) as Buffer));
}

type Seen = { progress: number[]; retrying: string[]; sent: number; done: string[]; failed: { error: string; retryable: boolean }[]; restored: number };

function recorder(): { events: S3Events; seen: Seen } {
  const seen: Seen = { progress: [], retrying: [], sent: 0, done: [], failed: [], restored: 0 };
  const events: S3Events = {
    progress: (_id, sent) => seen.progress.push(sent),
    retrying: (_id, reason) => seen.retrying.push(reason),
    sent: () => {
      seen.sent += 1;
    },
    done: (_id, token) => seen.done.push(token),
    failed: (_id, error, retryable) => seen.failed.push({ error, retryable }),
    restored: () => {
      seen.restored += 1;
    },
  };
  return { events, seen };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let api: Api;
const opened: S3Uploader[] = [];

function uploader(events: S3Events, extra: { limit?: number; retryDelays?: number[] } = {}): S3Uploader {
  const made = new S3Uploader({
    owner: "ana",
    settings: { enabled: true, part_size: PART, max_size: 0 },
    events,
    visibility: () => "unlisted",
    api: `${api.base}/api/v1/uploads/s3`,
    retryDelays: [0, 10, 10],
    ...extra,
  });
  opened.push(made);
  return made;
}

beforeEach(async () => {
  localStorage.clear();
  api = await startApi();
});

afterEach(async () => {
  for (const made of opened.splice(0)) made.close();
  await api.close();
});

describe("parts", () => {
  it("cuts as Uppy does: one part up to 5 MiB, never parts under 5 MiB", () => {
    expect(partCount(1, PART)).toBe(1);
    expect(partCount(5 * MiB, PART)).toBe(1);
    expect(partCount(5 * MiB + 1, PART)).toBe(2);
    expect(partCount(40 * MiB, 8 * MiB)).toBe(5);
    expect(partCount(40 * MiB, MiB)).toBe(8);
  });

  it("grows the part size (whole MiB) past 10,000 parts, as the server does", () => {
    expect(partSizeFor(100 * 1024 * MiB, 16 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(200 * 1024 * MiB, 16 * MiB)).toBe(21 * MiB);
    expect(partCount(200 * 1024 * MiB, 16 * MiB)).toBe(9753);
  });
});

describe("s3Settings", () => {
  it("reads the API's answer, and says tus (null) when the API has no such endpoint", async () => {
    expect(await s3Settings(`${api.base}/api/v1/uploads/s3`)).toEqual({ enabled: true, part_size: PART, max_size: 0 });
    expect(await s3Settings(`${api.base}/api/v1/nothing-here`)).toBeNull();
  });
});

describe("S3Uploader", () => {
  it("sends the parts in parallel, no more at once than the limit, and completes with each ETag in order", async () => {
    const { events, seen } = recorder();
    const file = makeFile("interview.mp4", 4 * PART + 12345);
    uploader(events, { limit: 2 }).begin("1-interview.mp4", file);
    await until(() => seen.done.length === 1, "the upload to finish");

    const [upload] = [...api.uploads.values()];
    expect(upload.body).toEqual({ filename: "interview.mp4", size: file.size, content_type: "video/mp4" });
    expect(assembled(upload).equals(await bytesOf(file))).toBe(true);
    expect(api.maxInFlight).toBe(2);
    const [completion] = api.completed;
    expect(completion.state).toBe("unlisted");
    expect(completion.parts.map((part) => part.PartNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(Object.keys(completion.parts[0]).sort()).toEqual(["ETag", "PartNumber"]);
    expect(completion.parts[4].ETag).toBe(`"${createHash("md5").update(upload.parts.get(5) as Buffer).digest("hex")}"`);
    expect(seen.done).toEqual(["tok123"]);
    expect(seen.sent).toBe(1);
    expect(Math.max(...seen.progress)).toBe(file.size);
    expect(seen.failed).toEqual([]);
  });

  it("retries a part the bucket failed (5xx), tells the page, and the object is whole", async () => {
    const { events, seen } = recorder();
    api.onPut = (part, attempt) => (part === 2 && attempt <= 2 ? 503 : undefined);
    const file = makeFile("clip.mp4", 2 * PART + 7);
    uploader(events).begin("1-clip.mp4", file);
    await until(() => seen.done.length === 1, "the upload to finish");

    expect(seen.retrying).toEqual(["The server had a problem (503); retrying…", "The server had a problem (503); retrying…"]);
    expect(api.calls.filter((call) => call === "PUT 2")).toHaveLength(3);
    expect(assembled([...api.uploads.values()][0]).equals(await bytesOf(file))).toBe(true);
  });

  it("after a reload, resumes the same upload when the file is chosen again: lists the parts, sends only the rest", async () => {
    const first = recorder();
    // Parts after the first never get an answer, as when the tab is reloaded mid-upload.
    api.onPut = (part) => (part === 1 ? undefined : "hang");
    const file = makeFile("long-interview.mp4", 3 * PART + 99);
    const before = uploader(first.events, { limit: 2 });
    expect(before.begin("1-long-interview.mp4", file)).toBe(false);
    await until(() => api.uploads.size === 1, "the upload to be created");
    const [upload] = [...api.uploads.values()];
    await until(() => upload.parts.has(1), "part 1 in the bucket");
    await new Promise((resolve) => setTimeout(resolve, 600)); // Golden Retriever saves every 500 ms
    before.close();

    api.onPut = () => undefined;
    const second = recorder();
    const after = uploader(second.events, { limit: 2 });
    await until(() => second.seen.restored === 1, "Golden Retriever to restore the state");
    // The browser keeps no copy of files over 10 MiB: the page asks for the file again and
    // shows it in "Unfinished uploads".
    expect(after.unfinished()).toEqual([{ fileId: expect.any(String), name: "long-interview.mp4", size: file.size }]);
    api.calls.length = 0;
    expect(after.begin("1-long-interview.mp4", file)).toBe(true);
    await until(() => second.seen.done.length === 1, "the resumed upload to finish");

    expect(api.uploads.size).toBe(1); // no new upload: the same one went on
    expect(api.calls).toContain("GET /<id>/parts");
    expect(api.calls).not.toContain("PUT 1");
    expect(api.calls).not.toContain("POST ");
    expect(assembled(upload).equals(await bytesOf(file))).toBe(true);
    expect(after.unfinished()).toEqual([]);
    // The progress bar starts where it stopped, not at 0.
    expect(Math.min(...second.seen.progress)).toBeGreaterThanOrEqual(PART);
  });

  it("keeps the upload when the connection fails for good, and Try again resumes it", async () => {
    const { events, seen } = recorder();
    let down = true;
    api.onPut = (part) => (part === 2 && down ? 502 : undefined);
    const file = makeFile("report.mp4", 2 * PART + 1);
    const made = uploader(events, { retryDelays: [0, 10] });
    made.begin("1-report.mp4", file);
    await until(() => seen.failed.length === 1, "the upload to give up");

    expect(seen.failed).toEqual([{ error: "The connection kept failing. Try again to resume.", retryable: true }]);
    const [upload] = [...api.uploads.values()];
    expect(upload.deleted).toBe(false);
    down = false;
    api.calls.length = 0;
    made.retry("1-report.mp4");
    await until(() => seen.done.length === 1, "the retried upload to finish");
    expect(api.uploads.size).toBe(1);
    expect(api.calls).toContain("GET /<id>/parts");
    expect(api.calls.filter((call) => call.startsWith("PUT"))).toEqual(["PUT 2"]);
    expect(assembled(upload).equals(await bytesOf(file))).toBe(true);
  });

  it("shows the API's reason for a refusal and does not retry it", async () => {
    const { events, seen } = recorder();
    uploader(events).begin("1-huge.mp4", makeFile("huge.mp4", 61 * MiB));
    await until(() => seen.failed.length === 1, "the refusal");
    expect(seen.failed).toEqual([{ error: "This file would go over your storage quota.", retryable: false }]);
    expect(api.calls.filter((call) => call === "POST ")).toHaveLength(1);
  });

  it("deletes the upload on the server when the person cancels", async () => {
    const { events } = recorder();
    api.onPut = (part) => (part === 1 ? undefined : "hang");
    const made = uploader(events);
    made.begin("1-x.mp4", makeFile("x.mp4", 2 * PART + 1));
    await until(() => [...api.uploads.values()][0]?.parts.has(1) ?? false, "part 1");
    made.cancel("1-x.mp4");
    await until(() => [...api.uploads.values()][0].deleted, "the DELETE");
  });

  it("refuses the same file twice at once", async () => {
    const { events, seen } = recorder();
    api.onPut = () => "hang";
    const made = uploader(events);
    const file = makeFile("same.mp4", 100);
    made.begin("1-same.mp4", file);
    made.begin("2-same.mp4", file);
    expect(seen.failed).toEqual([{ error: "This file is already uploading.", retryable: false }]);
  });
});
