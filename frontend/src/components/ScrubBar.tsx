import { type RefObject, useEffect, useRef, useState } from "react";
import { formatDuration } from "../lib/format";
import { type SpriteCue, parseSpritesVtt, spriteAt, timeAtPointer } from "../lib/sprites";

/** The sprite sheet's cues, fetched once per track (none while there is no track). */
function useSpriteCues(vttUrl: string | null | undefined): SpriteCue[] {
  const [cues, setCues] = useState<SpriteCue[]>([]);
  useEffect(() => {
    setCues([]);
    if (!vttUrl) return;
    const base = new URL(vttUrl, window.location.href).toString();
    let live = true;
    fetch(base, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => {
        if (live) setCues(parseSpritesVtt(text, base));
      })
      .catch(() => undefined); // no preview is no loss: the seek bar still works
    return () => {
      live = false;
    };
  }, [vttUrl]);
  return cues;
}

type Props = { video: RefObject<HTMLVideoElement>; spritesVtt: string | null | undefined };

/** A seek bar that shows the frame under the pointer (or the keyboard's target) from the
 * sprite sheet, above the bar. The native controls stay; this one adds the preview. */
export function ScrubBar({ video, spritesVtt }: Props) {
  const cues = useSpriteCues(spritesVtt);
  const bar = useRef<HTMLInputElement>(null);
  const [duration, setDuration] = useState(0);
  const [current, setCurrent] = useState(0);
  const [preview, setPreview] = useState<number | null>(null);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const sync = () => {
      setDuration(Number.isFinite(el.duration) ? el.duration : 0);
      setCurrent(el.currentTime);
    };
    sync();
    const events = ["loadedmetadata", "durationchange", "timeupdate", "seeked"];
    for (const name of events) el.addEventListener(name, sync);
    return () => {
      for (const name of events) el.removeEventListener(name, sync);
    };
  }, [video]);

  if (duration <= 0) return null;
  const cue = preview === null ? null : spriteAt(cues, preview);
  const left = preview === null ? 0 : (preview / duration) * 100;
  const seek = (time: number) => {
    const el = video.current;
    if (el) el.currentTime = time;
    setCurrent(time);
  };
  return (
    <div className="scrub">
      <input
        ref={bar}
        type="range"
        className="scrub-bar"
        min={0}
        max={duration}
        step={1}
        value={Math.min(current, duration)}
        aria-label="Seek"
        aria-valuetext={`${formatDuration(current)} of ${formatDuration(duration)}`}
        onChange={(event) => {
          const time = Number(event.target.value);
          seek(time);
          setPreview(time);
        }}
        onPointerMove={(event) => {
          const rect = event.currentTarget.getBoundingClientRect();
          setPreview(timeAtPointer(event.clientX, rect.left, rect.width, duration));
        }}
        onPointerLeave={() => setPreview(null)}
        onBlur={() => setPreview(null)}
        onKeyUp={(event) => {
          if (event.key === "Escape") setPreview(null);
        }}
      />
      {preview !== null ? (
        <div className="scrub-preview" style={{ left: `${left}%` }} aria-hidden="true" data-time={Math.round(preview)}>
          {cue ? (
            <span
              className="scrub-thumb"
              style={{
                width: cue.w,
                height: cue.h,
                backgroundImage: `url("${cue.url}")`,
                backgroundPosition: `-${cue.x}px -${cue.y}px`,
              }}
            />
          ) : null}
          <span className="scrub-time">{formatDuration(preview)}</span>
        </div>
      ) : null}
    </div>
  );
}
