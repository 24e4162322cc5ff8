// The studio's calls that carry files (multipart) or edit: PUT /api/v1/media/<token>,
// POST /api/v1/media/user/bulk_actions. Errors come back as ApiError with the server's message.
import { ApiError, type MediaDetail, csrfToken, errorText, mediaDetailPath } from "../../api";
import { t } from "../../lib/i18n";

export type EditableDetail = MediaDetail & {
  tags_info?: { title: string }[];
  categories_info?: { title: string }[];
  allow_download?: boolean;
  thumbnail_time?: number | null;
  embed_domains?: string[];
  language?: string;
  edit_date?: string;
  is_reviewed?: boolean;
};

async function send<T>(path: string, method: string, body: Record<string, unknown> | FormData): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  const form = body instanceof FormData;
  if (!form) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: form ? body : JSON.stringify(body),
  });
  let answer: unknown = null;
  try {
    answer = await response.json();
  } catch {
    // not JSON: the status line says enough
  }
  if (!response.ok) throw new ApiError(response.status, errorText(answer, `${response.status} ${response.statusText}`));
  return answer as T;
}

/** Edit a media: only the fields given change; the answer is its new detail. */
export function editMedia(token: string, body: Record<string, unknown> | FormData): Promise<EditableDetail> {
  return send<EditableDetail>(mediaDetailPath(token), "PUT", body);
}

export type BulkResult = { detail: string; action: string; changed: string[]; unchanged: string[] };

export function bulkAction(body: { media_ids: string[]; action: string; [param: string]: unknown }): Promise<BulkResult> {
  return send<BulkResult>("/api/v1/media/user/bulk_actions", "POST", body);
}

/** An image URL that changes when the media is edited (the stills keep their names). */
export function freshUrl(url: string | null | undefined, version: string | undefined): string | null {
  if (!url) return null;
  if (url.includes("?") || !version) return url; // signed or presigned: already unique
  return `${url}?v=${encodeURIComponent(version)}`;
}

export function messageOf(err: unknown): string {
  return err instanceof ApiError ? err.detail : t("The server could not be reached.");
}
