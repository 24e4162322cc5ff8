import { ListOrdered, Plus, Save, Trash2 } from "lucide-react";
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { t } from "../lib/i18n";
import { TrackError, formatClock, getChapters, parseClock, saveChapters } from "../lib/tracksApi";
import "./tracksEditor.css";

// The edit page's chapters (issue 16, point 3): rows of a start time and a title, added,
// removed and saved together (PUT /api/v1/media/<token>/chapters, one transaction). A refused
// list shows the server's message and marks the entry it names.

type Row = { key: number; time: string; title: string };

let nextKey = 1;

function rowsOf(chapters: { start: number; title: string }[]): Row[] {
  return chapters.map((chapter) => ({ key: nextKey++, time: formatClock(chapter.start), title: chapter.title }));
}

export default function ChaptersEditor({ token }: { token: string }) {
  const id = useId();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; entry: number | null } | null>(null);
  const [status, setStatus] = useState("");

  const load = useCallback(async () => {
    try {
      setRows(rowsOf(await getChapters(token)));
    } catch (err) {
      setError({
        text: err instanceof TrackError ? err.detail : t("The server could not be reached."),
        entry: null,
      });
    }
  }, [token]);

  useEffect(() => {
    void load();
  }, [load]);

  function change(key: number, patch: Partial<Row>) {
    setRows((current) => (current ?? []).map((row) => (row.key === key ? { ...row, ...patch } : row)));
    setStatus("");
  }

  function add() {
    setRows((current) => {
      const list = current ?? [];
      const last = list.length ? parseClock(list[list.length - 1].time) : Number.NaN;
      const time = list.length === 0 ? "0:00" : Number.isFinite(last) ? formatClock(Math.floor(last) + 10) : "";
      return [...list, { key: nextKey++, time, title: "" }];
    });
    setStatus("");
  }

  function remove(key: number) {
    setRows((current) => (current ?? []).filter((row) => row.key !== key));
    setError(null);
    setStatus("");
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const list = rows ?? [];
    const chapters = [];
    for (const [index, row] of list.entries()) {
      const start = parseClock(row.time);
      if (!Number.isFinite(start)) {
        setError({
          text: t("Chapter {n}: the start {time} is not a time (use m:ss, h:mm:ss or seconds).", {
            n: index + 1,
            time: JSON.stringify(row.time),
          }),
          entry: index,
        });
        return;
      }
      chapters.push({ start, title: row.title.trim() });
    }
    setBusy(true);
    setError(null);
    setStatus("");
    try {
      setRows(rowsOf(await saveChapters(token, chapters)));
      setStatus(chapters.length ? t("Chapters saved.") : t("Chapters removed."));
    } catch (err) {
      if (err instanceof TrackError) setError({ text: err.detail, entry: err.entry });
      else setError({ text: t("The server could not be reached."), entry: null });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="tracks-editor chapters-editor" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        <ListOrdered aria-hidden="true" size={20} /> {t("Chapters")}
      </h2>
      {rows === null ? (
        error ? null : <p className="loading">{t("Loading…")}</p>
      ) : (
        <form className="chapters-form" onSubmit={(event) => void submit(event)} noValidate>
          {rows.length === 0 ? <p className="tracks-empty">{t("No chapters yet.")}</p> : null}
          <ol className="chapters-rows">
            {rows.map((row, index) => {
              const bad = error?.entry === index;
              return (
                <li key={row.key} className={bad ? "chapter-row invalid" : "chapter-row"} data-entry={index}>
                  <label className="chapter-time">
                    <span className="visually-hidden">{t("Start of chapter {n}", { n: index + 1 })}</span>
                    <input
                      name={`start-${index}`}
                      value={row.time}
                      inputMode="decimal"
                      placeholder="0:00"
                      aria-invalid={bad || undefined}
                      aria-describedby={bad ? `${id}-error` : undefined}
                      onChange={(event) => change(row.key, { time: event.target.value })}
                    />
                  </label>
                  <label className="chapter-title">
                    <span className="visually-hidden">{t("Title of chapter {n}", { n: index + 1 })}</span>
                    <input
                      name={`title-${index}`}
                      value={row.title}
                      maxLength={200}
                      placeholder={t("Title")}
                      aria-invalid={bad || undefined}
                      aria-describedby={bad ? `${id}-error` : undefined}
                      onChange={(event) => change(row.key, { title: event.target.value })}
                    />
                  </label>
                  <button
                    type="button"
                    className="chapter-remove"
                    onClick={() => remove(row.key)}
                    aria-label={t("Remove chapter {n}", { n: index + 1 })}
                  >
                    <Trash2 aria-hidden="true" size={16} />
                  </button>
                </li>
              );
            })}
          </ol>
          <div className="chapters-actions">
            <button type="button" onClick={add} disabled={busy}>
              <Plus aria-hidden="true" size={16} /> {t("Add a chapter")}
            </button>
            <button type="submit" disabled={busy}>
              <Save aria-hidden="true" size={16} /> {t("Save chapters")}
            </button>
          </div>
        </form>
      )}
      {error ? (
        <p id={`${id}-error`} className="notice error tracks-error" role="alert" data-entry={error.entry ?? undefined}>
          {error.text}
        </p>
      ) : null}
      <p className="tracks-status" role="status">
        {status}
      </p>
    </section>
  );
}
