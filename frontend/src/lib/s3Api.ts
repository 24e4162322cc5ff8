/** The upload API's S3 side: whether uploads go straight to the bucket, and its requests.
 * Kept apart from s3Upload.ts (Uppy) so that the upload page in filesystem mode, which only
 * asks this question, does not download Uppy. */

import { csrfToken } from "../api";

export const S3_API = "/api/v1/uploads/s3";

/** GET /api/v1/uploads/s3: whether uploads go to the bucket, the part size and the size cap. */
export type S3Settings = { enabled: boolean; part_size: number; max_size: number };

/** A failed request in the shape Uppy's retry logic reads (``err.source.status``, like an XHR). */
export class HttpFailure extends Error {
  source: { status: number; responseText: string };

  constructor(status: number, body: string) {
    super(status ? `HTTP ${status}` : "Connection lost");
    this.source = { status, responseText: body };
  }
}

export async function request<T>(url: string, method: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new HttpFailure(0, "");
  }
  const text = await response.text();
  if (!response.ok) throw new HttpFailure(response.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The page's settings; ``null`` when the API has no such endpoint or does not answer (tus). */
export async function s3Settings(api = S3_API): Promise<S3Settings | null> {
  try {
    return await request<S3Settings>(api, "GET");
  } catch {
    return null;
  }
}

