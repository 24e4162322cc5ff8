/** Numbers as people read them: sizes, speeds, time left, durations. */

import { t } from "./i18n";

const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "–";
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "1:05:09" or "4:07"; negative, unknown and infinite show as a dash. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "–";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** Time left in words for a progress bar: "about 3 min left", "12 s left". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return t("time left unknown");
  if (seconds < 1) return t("almost done");
  if (seconds < 60) return t("{n} s left", { n: Math.ceil(seconds) });
  if (seconds < 3600) return t("about {n} min left", { n: Math.round(seconds / 60) });
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return t("about {h} h {m} min left", { h, m });
}

export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

export type Sample = { at: number; bytes: number };

/** Speed over the last ``windowMs`` of samples (a moving window, so one slow chunk or a pause
 * for a retry does not freeze the estimate for the rest of the upload). */
export function speedOf(samples: Sample[], windowMs = 5000): number | null {
  if (samples.length < 2) return null;
  const last = samples[samples.length - 1];
  let first = samples[0];
  for (const sample of samples) {
    if (last.at - sample.at <= windowMs) {
      first = sample;
      break;
    }
  }
  const ms = last.at - first.at;
  if (ms <= 0) return null;
  return ((last.bytes - first.bytes) * 1000) / ms;
}

export function etaOf(remainingBytes: number, bytesPerSecond: number | null): number | null {
  if (bytesPerSecond === null || bytesPerSecond <= 0) return null;
  return remainingBytes / bytesPerSecond;
}

/** Keep the samples the speed window can use (and one older), so memory stays constant. */
export function trimSamples(samples: Sample[], windowMs = 5000): Sample[] {
  if (samples.length === 0) return samples;
  const last = samples[samples.length - 1].at;
  const firstInside = samples.findIndex((s) => last - s.at <= windowMs);
  return samples.slice(Math.max(0, firstInside - 1));
}
