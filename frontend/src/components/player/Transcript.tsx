import { useEffect, useId, useRef, useState } from "react";
import { formatDuration } from "../../lib/format";
import { t } from "../../lib/i18n";
import { type TextCue, cueAt, parseVtt } from "../../lib/vtt";
import type { Track } from "./tracks";

/** The cues of a subtitle track, fetched and read once per track address. */
function useCues(src: string | undefined): { cues: TextCue[]; failed: boolean } {
  const [cues, setCues] = useState<TextCue[]>([]);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setCues([]);
    setFailed(false);
    if (!src) return;
    let live = true;
    fetch(new URL(src, window.location.href).toString(), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(String(response.status)))))
      .then((text) => live && setCues(parseVtt(text)))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [src]);
  return { cues, failed };
}

type Props = { track: Track | undefined; time: number; onSeek: (time: number) => void };

/** The transcript under the video: the cues of the chosen (or first) subtitle track, the one
 * playing highlighted and kept in view (inside the panel: the page itself does not scroll),
 * each a button that seeks to it. */
export function Transcript({ track, time, onSeek }: Props) {
  const { cues, failed } = useCues(track?.src);
  const list = useRef<HTMLOListElement>(null);
  const current = cueAt(cues, time);
  const heading = useId();

  useEffect(() => {
    const box = list.current;
    const item = current >= 0 ? box?.children[current] : null;
    if (!box || !(item instanceof HTMLElement)) return;
    const top = item.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + item.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }, [current]);

  if (!track) return null;
  return (
    <details className="player-panel transcript" open>
      <summary id={heading}>{t("Transcript")}{track.label ? ` (${track.label})` : ""}</summary>
      {failed ? <p className="help">{t("The transcript could not be loaded.")}</p> : null}
      <ol ref={list} className="transcript-cues" aria-labelledby={heading} lang={track.srclang}>
        {cues.map((cue, i) => (
          <li key={`${cue.start}-${i}`}>
            <button
              type="button"
              className="transcript-cue"
              aria-current={i === current ? "true" : undefined}
              onClick={() => onSeek(cue.start)}
            >
              <span className="panel-time">{formatDuration(cue.start)}</span> <span>{cue.text}</span>
            </button>
          </li>
        ))}
      </ol>
    </details>
  );
}
