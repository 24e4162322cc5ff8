import { ImageUp } from "lucide-react";
import { Check } from "lucide-react";
import { type ChangeEvent, useEffect, useId, useState } from "react";
import { formatDuration } from "../../lib/format";
import { t } from "../../lib/i18n";
import { type SpriteCue, parseSpritesVtt } from "../../lib/sprites";
import { type EditableDetail, editMedia, freshUrl, messageOf } from "./api";
import "./studio.css";

const CANDIDATES = 12;

/** At most ``count`` cues spread evenly over the video, for the strip of candidate frames. */
export function pickCandidates(cues: SpriteCue[], count = CANDIDATES): SpriteCue[] {
  if (cues.length <= count) return cues;
  const step = cues.length / count;
  return Array.from({ length: count }, (_, i) => cues[Math.floor(i * step)]);
}

function Tile({ cue }: { cue: SpriteCue }) {
  return (
    <span
      className="studio-tile"
      aria-hidden
      style={{
        width: cue.w,
        height: cue.h,
        backgroundImage: `url("${cue.url.replace(/"/g, "%22")}")`,
        backgroundPosition: `-${cue.x}px -${cue.y}px`,
      }}
    />
  );
}

type Props = { media: EditableDetail; onSaved: (media: EditableDetail) => void };

export function ThumbnailChooser({ media, onSaved }: Props) {
  const id = useId();
  const [cues, setCues] = useState<SpriteCue[]>([]);
  const [time, setTime] = useState<string>(media.thumbnail_time != null ? String(media.thumbnail_time) : "");
  const [picked, setPicked] = useState<SpriteCue | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [filePreview, setFilePreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const video = media.media_type === "video";
  const duration = media.duration || 0;

  useEffect(() => {
    const src = media.sprites_vtt_url;
    if (!video || !src) return;
    const base = new URL(src, window.location.href).toString();
    let live = true;
    fetch(base, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => live && setCues(pickCandidates(parseSpritesVtt(text, base))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [media.sprites_vtt_url, video]);

  useEffect(() => {
    if (!file) {
      setFilePreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setFilePreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  async function save(body: Record<string, unknown> | FormData, done: string) {
    setBusy(true);
    setMessage("");
    setError("");
    try {
      const next = await editMedia(media.friendly_token, body);
      onSaved(next);
      setMessage(done);
      setFile(null);
      setPicked(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const useTime = () => {
    const at = Number(time);
    if (time.trim() === "" || !Number.isFinite(at) || at < 0 || (duration && at >= duration)) {
      setError(t("Choose a time between 0 and {d} seconds.", { d: duration.toFixed(1) }));
      return;
    }
    void save({ thumbnail_time: at }, t("The thumbnail now shows the frame at {time}.", { time: formatDuration(at) }));
  };

  const useFile = () => {
    if (!file) return;
    const form = new FormData();
    form.append("thumbnail", file);
    void save(form, t("The thumbnail is now your picture."));
  };

  const choose = (cue: SpriteCue) => {
    setPicked(cue);
    setTime(cue.start.toFixed(1));
  };

  const current = freshUrl(media.poster_url || media.thumbnail_url, media.edit_date);

  return (
    <section className="studio-thumbnail" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t("Thumbnail")}</h2>
      <div className="studio-thumb-preview">
        {filePreview ? (
          <img src={filePreview} alt={t("The picture you chose")} />
        ) : picked ? (
          <Tile cue={picked} />
        ) : current ? (
          <img src={current} alt={t("The current thumbnail")} data-current-thumbnail />
        ) : (
          <p className="notice">{t("No thumbnail yet.")}</p>
        )}
      </div>
      {video ? (
        <>
          {cues.length > 0 ? (
            <fieldset className="studio-strip">
              <legend>{t("Frames of the video")}</legend>
              <ul>
                {cues.map((cue) => (
                  <li key={cue.start}>
                    <button
                      type="button"
                      aria-pressed={picked?.start === cue.start}
                      onClick={() => choose(cue)}
                      aria-label={t("Frame at {time}", { time: formatDuration(cue.start) })}
                    >
                      <Tile cue={cue} />
                    </button>
                  </li>
                ))}
              </ul>
            </fieldset>
          ) : null}
          <div className="studio-row">
            <div className="field">
              <label htmlFor={`${id}-time`}>{t("Time of the frame (seconds)")}</label>
              <input
                id={`${id}-time`}
                type="number"
                min={0}
                max={duration || undefined}
                step={0.1}
                value={time}
                onChange={(e) => {
                  setTime(e.target.value);
                  setPicked(null);
                }}
              />
            </div>
            <button type="button" disabled={busy} onClick={useTime}>
              <Check aria-hidden size={16} /> {t("Use this frame")}
            </button>
          </div>
        </>
      ) : null}
      <div className="studio-row">
        <div className="field">
          <label htmlFor={`${id}-file`}>{t("Or upload a picture")}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept="image/*"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <button type="button" disabled={busy || !file} onClick={useFile}>
          <ImageUp aria-hidden size={16} /> {t("Use this picture")}
        </button>
      </div>
      <p role="status" className="studio-status">
        {busy ? t("Saving…") : message}
      </p>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
