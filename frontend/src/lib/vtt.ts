/** Subtitle tracks (WebVTT) read into cues for the transcript panel, and the cue playing at a
 * time. Timestamps as lib/sprites.ts reads them; cue settings after the end time are ignored,
 * markup tags (<i>, <b>, <c.x>, <v Name>) are dropped and the few entities WebVTT allows decoded. */

import { parseTimestamp } from "./sprites";

export type TextCue = { start: number; end: number; text: string };

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&nbsp;": "\u00a0",
  "&lrm;": "\u200e",
  "&rlm;": "\u200f",
  "&quot;": '"',
  "&#39;": "'",
};

/** A cue's payload as plain text: tags removed, entities decoded, lines joined by a space. */
export function cueText(payload: string): string {
  return payload
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:amp|lt|gt|nbsp|lrm|rlm|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}

/** The cues of a WebVTT file, sorted by start; NOTE, STYLE and REGION blocks and malformed
 * cues are skipped; a file that does not start with WEBVTT gives none. */
export function parseVtt(text: string): TextCue[] {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!/^WEBVTT(?:[ \t\n]|$)/.test(source)) return [];
  const cues: TextCue[] = [];
  for (const block of source.split(/\n{2,}/).slice(1)) {
    const lines = block.split("\n").filter((line, i) => i > 0 || line.trim() !== "");
    const at = lines.findIndex((line) => line.includes("-->"));
    if (at < 0 || at > 1) continue; // NOTE, STYLE, REGION, or text without a timing line
    const timing = lines[at].match(/^\s*(\S+)\s+-->\s+(\S+)/);
    if (!timing) continue;
    const start = parseTimestamp(timing[1]);
    const end = parseTimestamp(timing[2]);
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) continue;
    const words = cueText(lines.slice(at + 1).join("\n"));
    if (words) cues.push({ start, end, text: words });
  }
  return cues.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The index of the cue playing at ``time`` (the latest that started and has not ended), or -1. */
export function cueAt(cues: TextCue[], time: number): number {
  let found = -1;
  for (let i = 0; i < cues.length && cues[i].start <= time; i++) {
    if (time < cues[i].end) found = i;
  }
  return found;
}
