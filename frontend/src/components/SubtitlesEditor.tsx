import { Captions, Trash2, Upload } from "lucide-react";
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import { t } from "../lib/i18n";
import { type SubtitleTrack, TrackError, deleteSubtitles, listSubtitles, uploadSubtitles } from "../lib/tracksApi";
import "./tracksEditor.css";

// The edit page's subtitle tracks (issue 16, point 2): the list, an upload form (WebVTT or SRT,
// a BCP 47 language, an optional label; the same language replaces its track) and removal. A
// refused file shows the server's message, which names the line at fault.

const COMMON_LANGUAGES = ["en", "fr", "ar", "es", "de", "pt", "pt-BR", "it", "nl", "ru", "uk", "tr", "zh-Hans", "ja"];

function languageName(tag: string): string {
  try {
    const names = new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "language" });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

function messageOf(err: unknown): { text: string; line: number | null } {
  if (err instanceof TrackError) return { text: err.detail, line: err.line };
  return { text: t("The server could not be reached."), line: null };
}

export default function SubtitlesEditor({ token }: { token: string }) {
  const id = useId();
  const [tracks, setTracks] = useState<SubtitleTrack[] | null>(null);
  const [language, setLanguage] = useState("");
  const [label, setLabel] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; line: number | null } | null>(null);
  const [status, setStatus] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      setTracks(await listSubtitles(token));
    } catch (err) {
      setError(messageOf(err));
    }
  }, [token]);

  useEffect(() => {
    void load();
  }, [load]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setError({ text: t("Choose a WebVTT (.vtt) or SRT (.srt) file."), line: null });
      return;
    }
    if (!language.trim()) {
      setError({ text: t("Give the language of the subtitles, e.g. en or pt-BR."), line: null });
      return;
    }
    setBusy(true);
    setError(null);
    setStatus("");
    try {
      const track = await uploadSubtitles(token, file, language.trim(), label.trim());
      setStatus(t("Subtitles saved: {label} ({language}).", { label: track.label, language: track.srclang }));
      setFile(null);
      setLabel("");
      setLanguage("");
      if (fileInput.current) fileInput.current.value = "";
      await load();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(track: SubtitleTrack) {
    setBusy(true);
    setError(null);
    setStatus("");
    try {
      await deleteSubtitles(token, track.srclang);
      setStatus(t("Subtitles removed: {label} ({language}).", { label: track.label, language: track.srclang }));
      await load();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="tracks-editor subtitles-editor" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        <Captions aria-hidden="true" size={20} /> {t("Subtitles")}
      </h2>
      {tracks === null ? (
        error ? null : <p className="loading">{t("Loading…")}</p>
      ) : tracks.length === 0 ? (
        <p className="tracks-empty">{t("No subtitles yet.")}</p>
      ) : (
        <ul className="tracks-list" aria-label={t("Subtitle tracks")}>
          {tracks.map((track) => (
            <li key={track.srclang} data-language={track.srclang}>
              <span className="track-label">{track.label}</span>{" "}
              <span className="track-language" lang={track.srclang}>
                {track.srclang}
              </span>{" "}
              <a href={track.src} target="_blank" rel="noopener noreferrer">
                {t("WebVTT file")}
              </a>
              <button
                type="button"
                className="track-remove"
                disabled={busy}
                onClick={() => void remove(track)}
                aria-label={t("Remove the {label} subtitles", { label: track.label })}
              >
                <Trash2 aria-hidden="true" size={16} />
                <span className="track-remove-text">{t("Remove")}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="tracks-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="tracks-field">
          <label htmlFor={`${id}-file`}>{t("Subtitle file (WebVTT or SRT)")}</label>
          <input
            id={`${id}-file`}
            ref={fileInput}
            type="file"
            name="file"
            accept=".vtt,.srt,text/vtt,application/x-subrip"
            aria-invalid={error?.line ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
        </div>
        <div className="tracks-field">
          <label htmlFor={`${id}-language`}>{t("Language")}</label>
          <input
            id={`${id}-language`}
            name="language"
            value={language}
            list={`${id}-languages`}
            placeholder="en"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setLanguage(event.target.value)}
          />
          <datalist id={`${id}-languages`}>
            {COMMON_LANGUAGES.map((tag) => (
              <option key={tag} value={tag}>
                {languageName(tag)}
              </option>
            ))}
          </datalist>
        </div>
        <div className="tracks-field">
          <label htmlFor={`${id}-label`}>{t("Label (optional)")}</label>
          <input
            id={`${id}-label`}
            name="label"
            value={label}
            maxLength={100}
            placeholder={language.trim() ? languageName(language.trim()) : ""}
            onChange={(event) => setLabel(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          <Upload aria-hidden="true" size={16} /> {t("Upload subtitles")}
        </button>
      </form>
      {error ? (
        <p id={`${id}-error`} className="notice error tracks-error" role="alert" data-line={error.line ?? undefined}>
          {error.text}
        </p>
      ) : null}
      <p className="tracks-status" role="status">
        {status}
      </p>
    </section>
  );
}
