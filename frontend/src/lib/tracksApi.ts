// Calls of the edit page's subtitles and chapters editors (issue 16, points 2 and 3):
// /api/v1/media/<token>/subtitles and /chapters. A refusal keeps the server's whole answer, so
// that the editors can point at the line of a subtitle file or the entry of a chapter list.
import { csrfToken, errorText } from "../api";
import { t } from "./i18n";

export type SubtitleTrack = {
  language: string;
  srclang: string;
  label: string;
  src: string;
  add_date?: string;
  edit_date?: string;
};

export type Chapter = { start: number; title: string };

/** A refused request: the message, and the line (subtitles) or entry (chapters) at fault. */
export class TrackError extends Error {
  constructor(
    public status: number,
    public detail: string,
    public line: number | null = null,
    public entry: number | null = null,
  ) {
    super(detail);
  }
}

function mediaPath(token: string, rest: string): string {
  return `/api/v1/media/${encodeURIComponent(token)}/${rest}`;
}

async function call<T>(path: string, method: string, body?: FormData | unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body),
    });
  } catch {
    throw new TrackError(0, t("The server could not be reached."));
  }
  if (response.status === 204) return undefined as T;
  let answer: unknown = null;
  try {
    answer = await response.json();
  } catch {
    // not JSON (a proxy's error page): the status line says enough
  }
  if (!response.ok) {
    const record = (answer && typeof answer === "object" ? answer : {}) as Record<string, unknown>;
    throw new TrackError(
      response.status,
      errorText(answer, `${response.status} ${response.statusText}`),
      typeof record.line === "number" ? record.line : null,
      typeof record.entry === "number" ? record.entry : null,
    );
  }
  return answer as T;
}

export function listSubtitles(token: string): Promise<SubtitleTrack[]> {
  return call<SubtitleTrack[]>(mediaPath(token, "subtitles"), "GET");
}

export function uploadSubtitles(
  token: string,
  file: File,
  language: string,
  label: string,
): Promise<SubtitleTrack> {
  const form = new FormData();
  form.append("file", file);
  form.append("language", language);
  if (label) form.append("label", label);
  return call<SubtitleTrack>(mediaPath(token, "subtitles"), "POST", form);
}

export function deleteSubtitles(token: string, language: string): Promise<void> {
  return call<void>(mediaPath(token, `subtitles/${encodeURIComponent(language)}`), "DELETE");
}

export async function getChapters(token: string): Promise<Chapter[]> {
  return (await call<{ chapters: Chapter[] }>(mediaPath(token, "chapters"), "GET")).chapters;
}

export async function saveChapters(token: string, chapters: Chapter[]): Promise<Chapter[]> {
  return (await call<{ chapters: Chapter[] }>(mediaPath(token, "chapters"), "PUT", { chapters })).chapters;
}

/** ``seconds`` as the editor shows it: m:ss or h:mm:ss, with milliseconds when there are any. */
export function formatClock(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  const h = Math.floor(millis / 3_600_000);
  const m = Math.floor((millis % 3_600_000) / 60_000);
  const s = Math.floor((millis % 60_000) / 1000);
  const ms = millis % 1000;
  const frac = ms ? `.${String(ms).padStart(3, "0").replace(/0+$/, "")}` : "";
  const ss = String(s).padStart(2, "0") + frac;
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** What a person typed as a time: seconds (75, 75.5), m:ss or h:mm:ss(.mmm); NaN otherwise. */
export function parseClock(text: string): number {
  const value = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value);
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  if (!match) return Number.NaN;
  const [, h, m, s] = match;
  if (Number(m) > 59 || Number(s) >= 60) return Number.NaN;
  return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s);
}
