/** Calls to /api/v1 with the session cookie and Django's CSRF token. */

export type Viewer = { username: string; is_editor: boolean; can_publish: boolean };

export type Page<T> = { count?: number; next: string | null; previous: string | null; results: T[] };

export type MediaItem = {
  friendly_token: string;
  url: string;
  title: string;
  description: string;
  user: string;
  author_name: string;
  author_profile: string;
  author_verified?: boolean;
  thumbnail_url: string | null;
  views: number;
  duration: number;
  add_date: string;
  media_type: string;
  state: string;
  encoding_status: string;
  is_reviewed?: boolean;
  likes: number;
  dislikes: number;
  reported_times?: number;
};

export type Encoding = { title: string; url: string | null; progress: number; status: string };

export type MediaDetail = MediaItem & {
  poster_url: string | null;
  sprites_url: string | null;
  sprites_vtt_url?: string | null;
  original_media_url: string | null;
  hls_info: { master_file?: string; [playlist: string]: string | undefined };
  encodings_info: Record<string, Record<string, Encoding>>;
  subtitles_info: { src: string; srclang: string; label: string }[];
  enable_comments: boolean;
  related_media: MediaItem[];
  encoding_fail_reason?: string | null;
};

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
