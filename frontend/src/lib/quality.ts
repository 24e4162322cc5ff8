/** The player's quality menu: which renditions to offer and how they read. */

import { t } from "./i18n";

export type Level = { height: number; bitrate: number };
export type QualityOption = { value: number; label: string };

/** -1 means automatic (hls.js picks by bandwidth), as ``hls.currentLevel = -1``. */
export const AUTO = -1;

export function levelLabel(level: Level): string {
  return level.height > 0 ? `${level.height}p` : `${Math.round(level.bitrate / 1000)} kbps`;
}

/** Options highest first; the automatic one says what it is playing now. */
export function qualityOptions(levels: Level[], playing: number): QualityOption[] {
  const options = levels
    .map((level, index) => ({ value: index, label: levelLabel(level), level }))
    .sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate)
    .map(({ value, label }) => ({ value, label }));
  const now = levels[playing];
  const auto = now ? t("Auto ({quality})", { quality: levelLabel(now) }) : t("Auto");
  return [{ value: AUTO, label: auto }, ...options];
}

/** The index in ``levels`` of the rendition ``wanted`` (same height, the nearest bitrate), or
 * AUTO when there is none: a manual choice carried over to a reloaded master playlist, whose
 * renditions may be more (the ladder still encoding) or in another order. */
export function sameLevel(levels: Level[], wanted: Level | null | undefined): number {
  if (!wanted) return AUTO;
  let best = AUTO;
  for (const [index, level] of levels.entries()) {
    if (level.height !== wanted.height) continue;
    const gap = Math.abs(level.bitrate - wanted.bitrate);
    if (best === AUTO || gap < Math.abs(levels[best].bitrate - wanted.bitrate)) best = index;
  }
  return best;
}
