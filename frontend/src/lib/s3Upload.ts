/** Uploads straight to the S3 bucket (issue 14, docs/storage.md "Direct upload").
 *
 * Uppy's AWS S3 plugin does S3 multipart in the browser: our API creates the upload, signs each
 * part, lists the parts already in the bucket and completes it; the browser PUTs each part to
 * its presigned URL, so no byte of the file passes through our servers. Golden Retriever keeps
 * Uppy's state (each file's upload id) in the browser, so a reload or a crash resumes: files up
 * to 10 MiB come back by themselves (it keeps a copy in IndexedDB), bigger ones when the person
 * chooses the same file again (a page cannot reopen a file on disk by itself), and the bucket's
 * list of parts says what is left to send.
 */

import AwsS3, { type AwsS3Part, type AwsS3UploadParameters } from "@uppy/aws-s3";
import Uppy, { type UppyFile } from "@uppy/core";
import GoldenRetriever from "@uppy/golden-retriever";
import { HttpFailure, S3_API, type S3Settings, request } from "./s3Api";
import { t } from "./i18n";
import { judge } from "./tusErrors";

type Created = { upload: string; key: string; part_size: number; parts: number };
type MediaBody = { friendly_token?: string; location?: string } & Record<string, unknown>;
type Multipart = { uploadId?: string; key?: string };
type Meta = { state: string };
type S3File = UppyFile<Meta, MediaBody>;

/** The upload id and key Uppy keeps on a file (and Golden Retriever saves with it). */
function multipartOf(file: S3File | undefined): Multipart | undefined {
  return (file as { s3Multipart?: Multipart } | undefined)?.s3Multipart;
}

/** What a failed request means to the person: the tus page's rules, same words. */
export function verdictOf(err: unknown): { retry: boolean; message: string } {
  const source = (err as { source?: { status?: number; responseText?: string } } | null)?.source;
  return judge({ status: source?.status ?? 0, body: source?.responseText ?? "" });
}

const MiB = 1024 * 1024;
const MAX_PARTS = 10_000;

/** The size of each part of a file of ``size`` bytes: the API's part size, or more (whole MiB)
 * for a file that would need over 10,000 parts, as the server decides it
 * (media_app/services/uploads_s3.py, part_size_for): the parts Uppy cuts must be the ones the
 * server signs, each URL being valid for one exact length. */
export function partSizeFor(size: number, partSize: number): number {
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  return Math.max(partSize, 5 * MiB, needed);
}

/** How many parts Uppy cuts ``size`` bytes into (one when it is not above 5 MiB). */
export function partCount(size: number, partSize: number): number {
  if (size <= 5 * MiB) return 1;
  return Math.ceil(size / partSizeFor(size, partSize));
}

export type S3Events = {
  progress: (id: string, sent: number) => void;
  retrying: (id: string, reason: string) => void;
  /** Every byte is in the bucket; the API is completing the upload. */
  sent: (id: string) => void;
  done: (id: string, mediaToken: string) => void;
  failed: (id: string, error: string, retryable: boolean) => void;
  /** Golden Retriever brought back files of an earlier visit. */
  restored: () => void;
};

export type Unfinished = { fileId: string; name: string; size: number };

export type S3UploaderOptions = {
  /** Whose uploads these are: the browser keeps one saved state per person. */
  owner: string;
  settings: S3Settings;
  events: S3Events;
  /** Who may see the media (public, unlisted, private), read when a file starts. */
  visibility: () => string;
  api?: string;
  retryDelays?: number[];
  limit?: number;
};

// Same waits as the tus page: about five minutes of trying before "Try again".
export const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 15000, 30000, 30000, 60000, 60000, 60000];
// Requests at once for all files (part PUTs and API calls): a browser opens at most 6
// connections to one host over HTTP/1.1, so more would only queue in the browser.
export const PARALLEL_REQUESTS = 6;

/** The upload page's S3 uploads: Uppy underneath, our reducer's events on top. Items are the
 * page's ids; Uppy's file ids are derived from name, type, size and date, which is what lets a
 * file chosen again after a reload find its upload. */
export class S3Uploader {
  readonly uppy: Uppy<Meta, MediaBody>;
  private readonly api: string;
  private readonly events: S3Events;
  private readonly fileOf = new Map<string, string>();
  private readonly itemOf = new Map<string, string>();
  // The upload id and key each file got from the API. Uppy forgets them when an upload fails
  // for good; we put them back, so that "Try again" lists the parts and resumes.
  private readonly remembered = new Map<string, { uploadId: string; key: string }>();
  private readonly signed = new WeakMap<object, string>();

  constructor(private readonly options: S3UploaderOptions) {
    this.api = options.api ?? S3_API;
    this.events = options.events;
    const partSize = options.settings.part_size;
    this.uppy = new Uppy<Meta, MediaBody>({ id: `openpress-upload-${options.owner || "anonymous"}`, autoProceed: false });
    this.uppy.use(AwsS3<Meta, MediaBody>, {
      shouldUseMultipart: true,
      limit: options.limit ?? PARALLEL_REQUESTS,
      retryDelays: options.retryDelays ?? RETRY_DELAYS,
      getChunkSize: (file) => partSizeFor(file.size, partSize),
      createMultipartUpload: (file) => this.create(file as S3File),
      signPart: (file, { uploadId, partNumber }) => this.sign(file as S3File, uploadId, partNumber),
      listParts: (_file, { uploadId }) => request<AwsS3Part[]>(`${this.api}/${uploadId}/parts`, "GET"),
      completeMultipartUpload: (file, { uploadId, parts }) => this.complete(file as S3File, uploadId, parts),
      // Uppy aborts the multipart upload whenever a new upload fails, even on a lost network;
      // we keep it so that "Try again" resumes. It is aborted when the person cancels
      // (cancel, forget) and otherwise by the server's reaper and the bucket's lifecycle rule.
      abortMultipartUpload: () => Promise.resolve(),
      uploadPartBytes: (options) => this.put(options),
    });
    // Golden Retriever needs IndexedDB (absent in some private windows): without it, uploads
    // still work but do not survive a reload.
    if (typeof indexedDB !== "undefined") this.uppy.use(GoldenRetriever);
    this.uppy.on("upload-progress", (file, progress) => {
      const id = file && this.itemOf.get(file.id);
      if (id) this.events.progress(id, progress.bytesUploaded);
    });
    this.uppy.on("upload-success", (file, response) => {
      const id = file && this.itemOf.get(file.id);
      if (!file || !id) return;
      this.events.done(id, String(response.body?.friendly_token ?? ""));
      this.release(file.id);
    });
    this.uppy.on("upload-error", (file, error) => {
      const id = file && this.itemOf.get(file.id);
      if (!file || !id) return;
      const verdict = verdictOf(error);
      if (verdict.retry) {
        const upload = this.remembered.get(file.id);
        if (upload) this.uppy.setFileState(file.id, { s3Multipart: upload } as Partial<S3File>);
        this.events.failed(id, t("The connection kept failing. Try again to resume."), true);
      } else {
        this.events.failed(id, verdict.message, false);
        void this.abort(file.id);
        this.release(file.id);
      }
    });
    this.uppy.on("restored", () => this.events.restored());
  }

  /** Files of an earlier visit whose bytes the browser no longer has: chosen again, they go on. */
  unfinished(): Unfinished[] {
    return this.uppy
      .getFiles()
      .filter((file) => file.isGhost && !this.itemOf.has(file.id))
      .map((file) => ({ fileId: file.id, name: file.name ?? "A file", size: file.size ?? 0 }));
  }

  /** Files of an earlier visit that the browser kept (up to 10 MiB): they can go on now. */
  resumable(): Unfinished[] {
    return this.uppy
      .getFiles()
      .filter((file) => !file.isGhost && file.isRestored && !file.progress.uploadComplete && !this.itemOf.has(file.id))
      .map((file) => ({ fileId: file.id, name: file.name ?? "A file", size: file.size ?? 0 }));
  }

  /** Start (or, for a file of an earlier visit, resume) the page's item ``id``: ``file`` is the
   * chosen file, or the id of a file Golden Retriever restored. Returns whether it resumes. */
  begin(id: string, file: File | string): boolean {
    let fileId: string;
    if (typeof file === "string") {
      fileId = file;
    } else {
      if (this.uploading(file)) {
        this.events.failed(id, t("This file is already uploading."), false);
        return false;
      }
      // A file of an earlier visit (a "ghost" in Uppy) gets its bytes back and keeps its
      // upload id and visibility; a new one gets today's choice.
      fileId = this.uppy.addFile({ name: file.name, type: file.type, data: file, meta: { state: this.options.visibility() } });
    }
    this.fileOf.set(id, fileId);
    this.itemOf.set(fileId, id);
    const previous = multipartOf(this.uppy.getFile(fileId));
    if (previous?.uploadId && previous.key) this.remembered.set(fileId, { uploadId: previous.uploadId, key: previous.key });
    this.run(fileId);
    return Boolean(previous?.uploadId);
  }

  private uploading(file: File): boolean {
    return [...this.itemOf.keys()].some((fileId) => {
      const data = this.uppy.getFile(fileId)?.data as File | undefined;
      return data?.name === file.name && data.size === file.size && data.lastModified === file.lastModified;
    });
  }

  retry(id: string): void {
    const fileId = this.fileOf.get(id);
    if (fileId && this.uppy.getFile(fileId)) this.run(fileId);
  }

  /** Stop the item's upload and delete it on the server (the parts in the bucket go too). */
  cancel(id: string): void {
    const fileId = this.fileOf.get(id);
    if (!fileId) return;
    void this.abort(fileId);
    this.release(fileId);
  }

  /** Give up a file of an earlier visit (its upload on the server too). */
  async forget(fileId: string): Promise<void> {
    await this.abort(fileId);
    if (this.uppy.getFile(fileId)) this.uppy.removeFile(fileId);
  }

  private run(fileId: string): void {
    // upload() would start every waiting file and retry every failed one; retryUpload is
    // Uppy's public call that runs one file (a new one as well as a failed one).
    this.uppy.retryUpload(fileId).catch(() => undefined);
  }

  private async abort(fileId: string): Promise<void> {
    const upload = this.remembered.get(fileId) ?? multipartOf(this.uppy.getFile(fileId));
    this.remembered.delete(fileId);
    if (upload?.uploadId) {
      await request(`${this.api}/${upload.uploadId}`, "DELETE").catch(() => undefined);
    }
  }

  private release(fileId: string): void {
    const id = this.itemOf.get(fileId);
    this.itemOf.delete(fileId);
    if (id) this.fileOf.delete(id);
    this.remembered.delete(fileId);
    // Removing a file stops its requests; its upload on the server stays (abort() above).
    if (this.uppy.getFile(fileId)) this.uppy.removeFile(fileId);
  }

  private async create(file: S3File): Promise<{ uploadId: string; key: string }> {
    const created = await request<Created>(this.api, "POST", {
      filename: file.name,
      size: file.size,
      content_type: file.type || "application/octet-stream",
    });
    const expected = partCount(file.size ?? 0, this.options.settings.part_size);
    if (created.parts !== expected || created.part_size !== partSizeFor(file.size ?? 0, this.options.settings.part_size)) {
      // The parts Uppy cuts must be the ones the server signs; a changed setting between the
      // page load and this file would otherwise fail at the end, not now.
      await request(`${this.api}/${created.upload}`, "DELETE").catch(() => undefined);
      throw new HttpFailure(400, JSON.stringify({ detail: t("The upload settings changed; reload the page.") }));
    }
    const upload = { uploadId: created.upload, key: created.key };
    this.remembered.set(file.id, upload);
    return upload;
  }

  private async sign(file: S3File, uploadId: string, partNumber: number): Promise<AwsS3UploadParameters> {
    const answer = await request<{ url: string; headers?: Record<string, string> }>(
      `${this.api}/${uploadId}/parts/${partNumber}`,
      "POST",
      {},
    );
    const signature: AwsS3UploadParameters = { method: "PUT", url: answer.url, headers: answer.headers ?? {} };
    this.signed.set(signature, file.id);
    return signature;
  }

  private async complete(file: S3File, uploadId: string, parts: AwsS3Part[]): Promise<MediaBody> {
    const id = this.itemOf.get(file.id);
    if (id) this.events.sent(id);
    return request<MediaBody>(`${this.api}/${uploadId}/complete`, "POST", {
      // Uppy's parts carry every response header of their PUT; the API wants these two.
      parts: parts.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag })),
      state: file.meta.state,
    });
  }

  private async put(options: Parameters<typeof AwsS3.uploadPartBytes>[0]) {
    try {
      return await AwsS3.uploadPartBytes(options);
    } catch (err) {
      const fileId = this.signed.get(options.signature);
      const id = fileId && this.itemOf.get(fileId);
      const verdict = verdictOf(err);
      if (id && verdict.retry && (err as Error).name !== "AbortError") this.events.retrying(id, verdict.message);
      throw err;
    }
  }

  /** Stop all requests and keep every upload on the server: what a reload does (tests). */
  close(): void {
    this.uppy.pauseAll();
  }
}
