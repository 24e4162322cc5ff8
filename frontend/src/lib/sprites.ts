/** Scrub preview: the encoder's WebVTT thumbnails track (one cue per tile of the sprite sheet,
 * ``sprites.jpg#xywh=x,y,w,h``) read into cues, and the cue to show for a time. */

export type SpriteCue = { start: number; end: number; url: string; x: number; y: number; w: number; h: number };

/** "01:02:03.500", "02:03.5" or "2:03" in seconds; NaN when it is not a timestamp. */
export function parseTimestamp(text: string): number {
  const match = text.trim().match(/^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.(\d{1,3}))?$/);
  if (!match) return Number.NaN;
  const [, h, m, s, frac] = match;
  const ms = frac ? Number(frac.padEnd(3, "0")) : 0;
  return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + ms / 1000;
}

/** The cues of a thumbnails track. Image references are resolved against ``baseUrl`` (the
 * track's own address), as a browser resolves them; malformed cues are skipped, not fatal. */
export function parseSpritesVtt(text: string, baseUrl: string): SpriteCue[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (!lines[0]?.startsWith("WEBVTT")) return [];
  const cues: SpriteCue[] = [];
  for (let i = 1; i < lines.length; i++) {
    const timing = lines[i].match(/^\s*(\S+)\s+-->\s+(\S+)/);
    if (!timing) continue;
    const start = parseTimestamp(timing[1]);
    const end = parseTimestamp(timing[2]);
    const payload = (lines[i + 1] ?? "").trim();
    const ref = payload.match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start || !ref) continue;
    let url: string;
    try {
      url = new URL(ref[1], baseUrl).toString();
    } catch {
      continue;
    }
    const [x, y, w, h] = ref.slice(2).map(Number);
    cues.push({ start, end, url, x, y, w, h });
    i += 1;
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue covering ``time`` (binary search over sorted cues); past the end, the last one. */
export function spriteAt(cues: SpriteCue[], time: number): SpriteCue | null {
  if (cues.length === 0 || !Number.isFinite(time)) return null;
  if (time >= cues[cues.length - 1].end) return cues[cues.length - 1];
  let low = 0;
  let high = cues.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const cue = cues[mid];
    if (time < cue.start) high = mid - 1;
    else if (time >= cue.end) low = mid + 1;
    else return cue;
  }
  return time < cues[0].start ? cues[0] : null;
}

/** The time under a pointer at ``clientX`` over a bar spanning ``left``..``left + width``. */
export function timeAtPointer(clientX: number, left: number, width: number, duration: number): number {
  if (width <= 0 || !Number.isFinite(duration) || duration <= 0) return 0;
  const ratio = Math.min(1, Math.max(0, (clientX - left) / width));
  return ratio * duration;
}
