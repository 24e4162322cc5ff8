import { useId } from "react";
import { type Chapter, chapterAt } from "../../lib/chapters";
import { formatDuration } from "../../lib/format";
import { t } from "../../lib/i18n";

type Props = { chapters: Chapter[]; time: number; onSeek: (time: number) => void };

/** The chapters as a list of buttons that seek; the one playing is marked current. */
export function Chapters({ chapters, time, onSeek }: Props) {
  const heading = useId();
  if (chapters.length === 0) return null;
  const current = chapterAt(chapters, time);
  return (
    <details className="player-panel chapters" open>
      <summary id={heading}>{t("Chapters")}</summary>
      <ol className="chapter-list" aria-labelledby={heading}>
        {chapters.map((chapter, i) => (
          <li key={`${chapter.start}-${i}`}>
            <button
              type="button"
              className="chapter"
              aria-current={i === current ? "true" : undefined}
              onClick={() => onSeek(chapter.start)}
            >
              <span className="panel-time">{formatDuration(chapter.start)}</span> <span>{chapter.title}</span>
            </button>
          </li>
        ))}
      </ol>
    </details>
  );
}
