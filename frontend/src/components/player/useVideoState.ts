/** The <video>'s state for the controls and panels, kept in step with its events. */

import { type RefObject, useCallback, useEffect, useState } from "react";

export type VideoState = {
  paused: boolean;
  time: number;
  duration: number;
  volume: number;
  muted: boolean;
  rate: number;
};

const EVENTS = [
  "play",
  "pause",
  "ended",
  "timeupdate",
  "seeking",
  "seeked",
  "loadedmetadata",
  "durationchange",
  "volumechange",
  "ratechange",
  "emptied",
];

function read(el: HTMLVideoElement | null): VideoState {
  if (!el) return { paused: true, time: 0, duration: 0, volume: 1, muted: false, rate: 1 };
  return {
    paused: el.paused,
    time: el.currentTime,
    duration: Number.isFinite(el.duration) ? el.duration : 0,
    volume: el.volume,
    muted: el.muted,
    rate: el.playbackRate,
  };
}

/** The state, and a function to read it again now (after a seek: the element's position
 * changes at once, its events come later, and the seek bar must not jump back meanwhile). */
export function useVideoState(video: RefObject<HTMLVideoElement>): [VideoState, () => void] {
  const [state, setState] = useState<VideoState>(() => read(video.current));
  const syncNow = useCallback(() => setState(read(video.current)), [video]);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const sync = () => setState(read(el));
    sync();
    for (const name of EVENTS) el.addEventListener(name, sync);
    return () => {
      for (const name of EVENTS) el.removeEventListener(name, sync);
    };
  }, [video]);
  return [state, syncNow];
}
