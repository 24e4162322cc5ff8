import { useEffect, useState } from "react";
import { type Chapter, chapterAt } from "../../lib/chapters";
import { formatDuration } from "../../lib/format";
import { t } from "../../lib/i18n";
import { type SpriteCue, parseSpritesVtt, spriteAt, timeAtPointer } from "../../lib/sprites";

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

type Props = {
  time: number;
  duration: number;
  spritesVtt: string | null | undefined;
  chapters: Chapter[];
  onSeek: (time: number) => void;
};

/** The seek bar: a range input, the chapters as marks on it, and above it the frame under the
 * pointer (or the keyboard's target) from the sprite sheet, with its time and chapter. */
export function ScrubBar({ time, duration, spritesVtt, chapters, onSeek }: Props) {
  const cues = useSpriteCues(spritesVtt);
  const [preview, setPreview] = useState<number | null>(null);
  const known = duration > 0;
  const cue = preview === null ? null : spriteAt(cues, preview);
  const chapter = preview === null ? -1 : chapterAt(chapters, preview);
  const at = (seconds: number) => `${known ? Math.min(100, (seconds / duration) * 100) : 0}%`;
  const valueText = t("{time} of {duration}", { time: formatDuration(time), duration: formatDuration(duration) });
  const now = chapterAt(chapters, time);
  return (
    <div className="scrub">
      <input
        type="range"
        className="scrub-bar"
        min={0}
        max={known ? duration : 0}
        step={1}
        value={known ? Math.min(time, duration) : 0}
        aria-label={t("Seek")}
        aria-valuetext={now >= 0 ? `${valueText}, ${chapters[now].title}` : valueText}
        onChange={(event) => {
          const seconds = Number(event.target.value);
          onSeek(seconds);
          setPreview(seconds);
        }}
        onPointerMove={(event) => {
          if (!known) return;
          const rect = event.currentTarget.getBoundingClientRect();
          const seconds = timeAtPointer(event.clientX, rect.left, rect.width, duration);
          // A right-to-left page runs the bar from the right.
          const rtl = getComputedStyle(event.currentTarget).direction === "rtl";
          setPreview(rtl ? duration - seconds : seconds);
        }}
        onPointerLeave={() => setPreview(null)}
        onFocus={(event) => {
          // Reached by the keyboard: show where it stands (a click shows the pointer's time).
          if (known && event.currentTarget.matches(":focus-visible")) setPreview(time);
        }}
        onBlur={() => setPreview(null)}
        onKeyUp={(event) => {
          if (event.key === "Escape") setPreview(null);
        }}
      />
      {known && chapters.length ? (
        <div className="scrub-marks" aria-hidden="true">
          {chapters
            .filter((c) => c.start > 0 && c.start < duration)
            .map((c) => (
              <span key={c.start} className="scrub-mark" style={{ insetInlineStart: at(c.start) }} title={c.title} />
            ))}
        </div>
      ) : null}
      {preview !== null && known ? (
        <div className="scrub-preview" style={{ insetInlineStart: at(preview) }} aria-hidden="true" data-time={Math.round(preview)}>
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
          {chapter >= 0 ? <span className="scrub-chapter">{chapters[chapter].title}</span> : null}
          <span className="scrub-time">{formatDuration(preview)}</span>
        </div>
      ) : null}
    </div>
  );
}
