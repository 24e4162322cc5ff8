/** The player's quality menu: which renditions to offer and how they read. */

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
  const auto = now ? `Auto (${levelLabel(now)})` : "Auto";
  return [{ value: AUTO, label: auto }, ...options];
}
