/** Chapters of a media from the detail answer's ``chapter_data``: ours ({start, title}) or
 * MediaCMS's ({startTime, chapterTitle}, the start possibly as "00:01:02.000"). */

import { parseTimestamp } from "./sprites";

export type Chapter = { start: number; title: string };

function seconds(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const text = value.trim();
    return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : parseTimestamp(text);
  }
  return Number.NaN;
}

/** The chapters, sorted by start; entries without a usable start or title are left out. */
export function readChapters(data: unknown): Chapter[] {
  if (!Array.isArray(data)) return [];
  const chapters: Chapter[] = [];
  for (const entry of data) {
    if (!entry || typeof entry !== "object") continue;
    const record = entry as Record<string, unknown>;
    const start = seconds(record.start ?? record.startTime);
    const raw = record.title ?? record.chapterTitle;
    const title = typeof raw === "string" ? raw.trim() : "";
    if (!Number.isFinite(start) || start < 0 || !title) continue;
    chapters.push({ start, title });
  }
  return chapters.sort((a, b) => a.start - b.start);
}

/** The index of the chapter playing at ``time`` (the last that started), or -1 before the first. */
export function chapterAt(chapters: Chapter[], time: number): number {
  let found = -1;
  for (let i = 0; i < chapters.length && chapters[i].start <= time; i++) found = i;
  return found;
}
