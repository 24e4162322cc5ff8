/** Where a viewer stopped in a media, kept in localStorage per media token, so the watch page
 * starts there next time. A position within MARGIN seconds of the start or of the end is not
 * worth resuming (the viewer had not really started, or had finished). */

export const MARGIN = 5;
const PREFIX = "op-resume:";

type Saved = { time: number; duration: number };

function storage(): Storage | null {
  try {
    return typeof window !== "undefined" ? window.localStorage : null;
  } catch {
    return null; // storage disabled (privacy settings): no resuming, nothing breaks
  }
}

/** Whether ``time`` in a media of ``duration`` seconds is a position to resume from. */
export function worthResuming(time: number, duration: number): boolean {
  if (!Number.isFinite(time) || time <= MARGIN) return false;
  if (Number.isFinite(duration) && duration > 0 && time >= duration - MARGIN) return false;
  return true;
}

/** Remember the position (or forget it when it is not worth resuming). */
export function savePosition(token: string, time: number, duration: number): void {
  const store = storage();
  if (!store || !token) return;
  try {
    if (worthResuming(time, duration)) {
      store.setItem(PREFIX + token, JSON.stringify({ time: Math.floor(time), duration }));
    } else {
      store.removeItem(PREFIX + token);
    }
  } catch {
    // quota exceeded: no resuming
  }
}

/** The position to resume from, or null. */
export function loadPosition(token: string): number | null {
  const store = storage();
  if (!store || !token) return null;
  try {
    const saved = JSON.parse(store.getItem(PREFIX + token) ?? "null") as Saved | null;
    if (!saved || typeof saved.time !== "number") return null;
    return worthResuming(saved.time, Number(saved.duration)) ? saved.time : null;
  } catch {
    return null;
  }
}
