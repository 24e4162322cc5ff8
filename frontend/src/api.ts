/** Calls to /api/v1 with the session cookie and Django's CSRF token. */

import type { components } from "./api-types";
import type { Correction } from "./lib/corrections";

/** The API's shapes, generated from openapi/schema.yml (`make types`: src/api-types.ts). */
export type Schemas = components["schemas"];

/**
 * ``T`` with the fields of ``R`` given a finer type than the schema states (a DictField the
 * schema only knows as "an object"). ``R``'s keys must be fields of ``T``: a field the API
 * drops or renames fails the type check here.
 */
type Refine<T, R extends { [K in keyof R]: K extends keyof T ? unknown : never }> = Omit<T, keyof R> & R;

/** The person looking at the page (from the page's props, not an API answer). */
export type Viewer = { username: string; is_editor: boolean; can_publish: boolean };

/** MediaCMS's page of results: ``{count, next, previous, results}``. */
export type Page<T> = Omit<Schemas["PaginatedTagList"], "results" | "count" | "next" | "previous"> & {
  count?: Schemas["PaginatedTagList"]["count"];
  next: string | null;
  previous: string | null;
  results: T[];
};

/** A media in a list (``GET /api/v1/media``): the fields the pages read. */
export type MediaItem = Pick<
  Schemas["Media"],
  | "friendly_token"
  | "url"
  | "title"
  | "description"
  | "user"
  | "author_name"
  | "author_profile"
  | "thumbnail_url"
  | "views"
  | "duration"
  | "add_date"
  | "media_type"
  | "state"
  | "encoding_status"
  | "likes"
  | "dislikes"
> &
  Partial<Pick<Schemas["Media"], "author_verified" | "is_reviewed" | "reported_times">>;

/** One rendition in ``encodings_info`` (resolution → codec → this). */
export type Encoding = { title: string; url: string | null; progress: number; status: string };

/** The detail of one media (``GET /api/v1/media/<token>``): the fields the pages read. */
export type MediaDetail = MediaItem &
  Refine<
    Pick<
      Schemas["MediaDetail"],
      | "poster_url"
      | "sprites_url"
      | "original_media_url"
      | "hls_info"
      | "encodings_info"
      | "subtitles_info"
      | "enable_comments"
      | "related_media"
    >,
    {
      hls_info: { master_file?: string; [playlist: string]: string | undefined };
      encodings_info: Record<string, Record<string, Encoding>>;
      subtitles_info: { src: string; srclang: string; label: string }[];
      related_media: MediaItem[];
    }
  > &
  Partial<Pick<Schemas["MediaDetail"], "sprites_vtt_url" | "encoding_fail_reason" | "retracted">> &
  // issue 15, section 3: the newest notices (the schema knows them only as objects)
  Partial<Refine<Pick<Schemas["MediaDetail"], "corrections">, { corrections: Correction[] }>>;

export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: string,
  ) {
    super(detail);
  }
}

export function csrfToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');
  if (meta?.content) return meta.content;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** The first readable message of a DRF error body: ``{detail}`` or ``{field: [msg]}``. */
export function errorText(body: unknown, fallback: string): string {
  if (typeof body === "string" && body) return body;
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    if (typeof record.detail === "string") return record.detail;
    for (const [field, value] of Object.entries(record)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === "string") return field === "non_field_errors" ? first : `${field}: ${first}`;
    }
  }
  return fallback;
}

/** The detail of one media: its fields and its file links (signed and expiring where hidden). */
export function mediaDetailPath(friendlyToken: string): string {
  return `/api/v1/media/${encodeURIComponent(friendlyToken)}`;
}

export async function api<T>(
  path: string,
  options: { method?: string; body?: unknown; cache?: RequestCache } = {},
): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: options.cache,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // not JSON (a proxy's error page): the status line says enough
    }
    throw new ApiError(response.status, errorText(body, `${response.status} ${response.statusText}`));
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
