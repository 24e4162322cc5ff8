import { Trash2 } from "lucide-react";
import { Upload } from "lucide-react";
import { useId, useState } from "react";
import { api } from "../../api";
import { t } from "../../lib/i18n";
import { ConfirmDialog } from "./ConfirmDialog";
import { type EditableDetail, editMedia, messageOf } from "./api";
import "./studio.css";

type Props = { media: EditableDetail; onSaved: (media: EditableDetail) => void };

/** A new file for the media: encoded again; the page, its address and its token stay. */
export function ReplaceFile({ media, onSaved }: Props) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");

  async function replace() {
    if (!file) return;
    setBusy(true);
    setMessage("");
    setError("");
    const form = new FormData();
    form.append("media_file", file);
    try {
      onSaved(await editMedia(media.friendly_token, form));
      setMessage(t("The new file is being encoded. The page and its address stay the same."));
      setFile(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="studio-replace" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t("Replace the file")}</h2>
      <div className="studio-row">
        <div className="field">
          <label htmlFor={`${id}-file`}>{t("New file (video, audio, image or PDF)")}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept="video/*,audio/*,image/*,application/pdf"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <button type="button" disabled={!file || busy} onClick={() => void replace()}>
          <Upload aria-hidden size={16} /> {busy ? t("Uploading…") : t("Replace the file")}
        </button>
      </div>
      <p role="status" className="studio-status">
        {message}
      </p>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** Delete, after a confirmation in a dialog; then back to My media. */
export function DeleteMedia({ media }: { media: Pick<EditableDetail, "friendly_token" | "title"> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  async function remove() {
    setBusy(true);
    try {
      await api(`/api/v1/media/${encodeURIComponent(media.friendly_token)}`, { method: "DELETE" });
      window.location.assign("/my-media");
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <section className="studio-delete">
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        <Trash2 aria-hidden size={16} /> {t("Delete this media…")}
      </button>
      <ConfirmDialog
        open={open}
        title={t("Delete “{title}”?", { title: media.title })}
        confirmLabel={t("Delete for good")}
        busy={busy}
        onConfirm={() => void remove()}
        onClose={() => setOpen(false)}
      >
        <p>{t("Its page, files, comments and history go away. This cannot be undone.")}</p>
        {error ? (
          <p className="notice error" role="alert">
            {error}
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
