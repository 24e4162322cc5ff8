import { type FormEvent, useId, useState } from "react";
import { ApiError, type Page, type Viewer, api } from "../api";
import {
  type Correction,
  type CorrectionKind,
  type HistoryEntry,
  correctionKinds,
  describeEntry,
  kindLabel,
  latestRetraction,
} from "../lib/corrections";
import { useFetch } from "./useFetch";
import { t } from "../lib/i18n";

export { mediaWithheld } from "../lib/corrections";

type MediaLike = {
  friendly_token: string;
  user: string;
  retracted?: boolean;
  corrections?: Correction[];
};

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function CorrectionItem({ item, showMedia = false }: { item: Correction; showMedia?: boolean }) {
  return (
    <li className={`correction correction-${item.kind}`} id={`correction-${item.id}`}>
      <p>
        <strong>{kindLabel(item.kind)}</strong>
        {showMedia ? (
          <>
            {" "}
            {t("on")} <a href={item.media_url}>{item.media_title}</a>
          </>
        ) : null}{" "}
        · <time dateTime={item.created_at}>{when(item.created_at)}</time>
        {item.by ? ` · ${item.by}` : ""}
      </p>
      <p className="correction-text">{item.text}</p>
      {item.reason ? <p className="correction-reason">{t("Why: {reason}", { reason: item.reason })}</p> : null}
    </li>
  );
}

function CorrectionForm({ token, onAdded }: { token: string; onAdded: () => void }) {
  const id = useId();
  const [kind, setKind] = useState<CorrectionKind>("correction");
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [hide, setHide] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api(`/api/v1/media/${token}/corrections`, {
        method: "POST",
        body: { kind, text, reason, hide_media: kind === "retraction" && hide },
      });
      setText("");
      setReason("");
      setHide(false);
      setError("");
      onAdded();
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("The notice could not be sent; try again."));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="correction-form" onSubmit={submit}>
      <label htmlFor={`${id}-kind`}>{t("Kind of notice")}</label>
      <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as CorrectionKind)}>
        {correctionKinds().map((k) => (
          <option key={k.value} value={k.value}>
            {k.label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-text`}>{t("What changed")}</label>
      <textarea id={`${id}-text`} value={text} onChange={(e) => setText(e.target.value)} rows={3} required />
      <label htmlFor={`${id}-reason`}>{t("Why (optional)")}</label>
      <textarea id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      {kind === "retraction" ? (
        <label className="checkbox">
          <input type="checkbox" checked={hide} onChange={(e) => setHide(e.target.checked)} />{" "}
          {t("Hide the media under the notice (its files stop being served to the public)")}
        </label>
      ) : null}
      {error ? (
        <p className="field-errors" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? t("Publishing…") : t("Publish the notice")}
      </button>
    </form>
  );
}

function History({ token }: { token: string }) {
  const [open, setOpen] = useState(false);
  const { data, error } = useFetch<Page<HistoryEntry>>(open ? `/api/v1/media/${token}/history?page_size=100` : null);
  return (
    <details className="media-history" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t("History of this page")}</summary>
      <p className="hint">
        {t("Every change to what this page says is a link of a hash chain")} (
        <a href="/corrections#stamps">{t("how to check it")}</a>).
      </p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && data.results.length === 0 ? <p>{t("No recorded change yet.")}</p> : null}
      {data ? (
        <ol className="history-entries">
          {data.results.map((entry) => (
            <li key={entry.seq}>
              <time dateTime={entry.created_at}>{when(entry.created_at)}</time> · {describeEntry(entry)}{" "}
              <code title={`sha256 ${entry.entry_hash}`}>{entry.entry_hash.slice(0, 12)}</code>
            </li>
          ))}
        </ol>
      ) : null}
      <a href={`/api/v1/media/${token}/history`}>{t("The entries as JSON")}</a>
    </details>
  );
}

/** The notices of a media (newest first, a retraction's prominent), the form for its owner
 * and editors, and its history. */
export function Corrections({ media, viewer, onChange }: { media: MediaLike; viewer: Viewer; onChange: () => void }) {
  const [adding, setAdding] = useState(false);
  const items = media.corrections ?? [];
  const retraction = media.retracted ? latestRetraction(items) : undefined;
  const mayEdit = viewer.is_editor || (viewer.username !== "" && viewer.username === media.user);
  return (
    <section className="corrections" aria-labelledby="corrections-title">
      {retraction ? (
        <div className="notice retraction-notice" role="alert">
          <p>
            <strong>{t("Retracted")}</strong> {t("on")} <time dateTime={retraction.created_at}>{when(retraction.created_at)}</time>
            {retraction.hide_media ? t(": the media is no longer shown.") : t("; the media is kept below for the record.")}
          </p>
          <p>{retraction.text}</p>
          {retraction.reason ? <p>{t("Why: {reason}", { reason: retraction.reason })}</p> : null}
        </div>
      ) : null}
      <h2 id="corrections-title" className={items.length ? undefined : "visually-hidden"}>
        {t("Corrections")}
      </h2>
      {items.length ? (
        <ul className="correction-list">
          {items.map((item) => (
            <CorrectionItem key={item.id} item={item} />
          ))}
        </ul>
      ) : null}
      {items.length >= 10 ? (
        <a href={`/api/v1/media/${media.friendly_token}/corrections`}>{t("All corrections of this media")}</a>
      ) : null}
      {mayEdit ? (
        <>
          <button type="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            {t("Add a correction or retraction")}
          </button>
          {adding ? (
            <CorrectionForm
              token={media.friendly_token}
              onAdded={() => {
                setAdding(false);
                onChange();
              }}
            />
          ) : null}
        </>
      ) : null}
      <History token={media.friendly_token} />
    </section>
  );
}
