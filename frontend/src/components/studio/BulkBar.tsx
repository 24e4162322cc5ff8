import { Play } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { type Page, api } from "../../api";
import { t } from "../../lib/i18n";
import { ConfirmDialog } from "./ConfirmDialog";
import { bulkAction, messageOf } from "./api";
import "./studio.css";

type Option = { value: string; label: string };

/** The actions, labelled in the page's language (t() at render time). */
export function bulkActions(): Option[] {
  return [
    { value: "set_state", label: t("Change visibility") },
    { value: "add_to_playlist", label: t("Add to a playlist") },
    { value: "remove_from_playlist", label: t("Remove from a playlist") },
    { value: "add_to_category", label: t("Add to a category") },
    { value: "remove_from_category", label: t("Remove from a category") },
    { value: "add_tags", label: t("Add tags") },
    { value: "remove_tags", label: t("Remove tags") },
    { value: "enable_comments", label: t("Turn comments on") },
    { value: "disable_comments", label: t("Turn comments off") },
    { value: "enable_download", label: t("Allow downloads") },
    { value: "disable_download", label: t("Stop downloads") },
    { value: "retry_encoding", label: t("Retry failed encodes") },
    { value: "delete_media", label: t("Delete") },
  ];
}

/** The body of a bulk action for the chosen parameter; ``null`` while the parameter is missing. */
export function bulkBody(action: string, tokens: string[], param: string): Record<string, unknown> | null {
  const body: Record<string, unknown> = { media_ids: tokens, action };
  if (action === "set_state") body.state = param;
  else if (action.endsWith("_playlist")) body.playlist_ids = [param];
  else if (action.endsWith("_category")) body.category_uids = [param];
  else if (action.endsWith("_tags")) body.tag_titles = param;
  const needs = ["set_state", "add_to_playlist", "remove_from_playlist", "add_to_category", "remove_from_category"];
  if ((needs.includes(action) || action.endsWith("_tags")) && !param.trim()) return null;
  return body;
}

type Props = { username: string; selected: string[]; onDone: (message: string) => void };

export function BulkBar({ username, selected, onDone }: Props) {
  const id = useId();
  const [action, setAction] = useState("set_state");
  const [param, setParam] = useState("public");
  const [playlists, setPlaylists] = useState<Option[]>([]);
  const [categories, setCategories] = useState<Option[]>([]);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState("");

  useEffect(() => {
    api<Page<{ friendly_token: string; title: string }>>(`/api/v1/playlists?author=${encodeURIComponent(username)}`)
      .then((page) => setPlaylists(page.results.map((p) => ({ value: p.friendly_token, label: p.title }))))
      .catch(() => setPlaylists([]));
    api<{ uid: string; title: string }[]>("/api/v1/categories")
      .then((list) => setCategories(list.map((c) => ({ value: c.uid, label: c.title }))))
      .catch(() => setCategories([]));
  }, [username]);

  const choose = (next: string) => {
    setAction(next);
    setError("");
    if (next === "set_state") setParam("public");
    else if (next.endsWith("_playlist")) setParam(playlists[0]?.value ?? "");
    else if (next.endsWith("_category")) setParam(categories[0]?.value ?? "");
    else setParam("");
  };

  async function run() {
    const body = bulkBody(action, selected, param);
    if (!body) {
      setError(t("Choose what to apply first."));
      return;
    }
    setBusy(true);
    setError("");
    try {
      const result = await bulkAction(body as { media_ids: string[]; action: string });
      setConfirm(false);
      onDone(t("{changed} changed, {unchanged} already so.", { changed: result.changed.length, unchanged: result.unchanged.length }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const apply = () => (action === "delete_media" ? setConfirm(true) : void run());
  const options = action.endsWith("_playlist") ? playlists : action.endsWith("_category") ? categories : null;

  return (
    <section className="bulk-bar" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="bulk-count">
        {t("{n} selected", { n: selected.length })}
      </h2>
      <div className="studio-row">
        <div className="field">
          <label htmlFor={`${id}-action`}>{t("Action")}</label>
          <select id={`${id}-action`} value={action} onChange={(e) => choose(e.target.value)}>
            {bulkActions().map((option) => (
              <option key={option.value} value={option.value}>
                {t(option.label)}
              </option>
            ))}
          </select>
        </div>
        {action === "set_state" ? (
          <div className="field">
            <label htmlFor={`${id}-param`}>{t("Visibility")}</label>
            <select id={`${id}-param`} value={param} onChange={(e) => setParam(e.target.value)}>
              <option value="public">{t("Public")}</option>
              <option value="unlisted">{t("Unlisted")}</option>
              <option value="private">{t("Private")}</option>
            </select>
          </div>
        ) : null}
        {options ? (
          <div className="field">
            <label htmlFor={`${id}-param`}>{action.endsWith("_playlist") ? t("Playlist") : t("Category")}</label>
            <select id={`${id}-param`} value={param} onChange={(e) => setParam(e.target.value)}>
              {options.length === 0 ? <option value="">{t("None yet")}</option> : null}
              {options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {action.endsWith("_tags") ? (
          <div className="field">
            <label htmlFor={`${id}-param`}>{t("Tags (separated by commas)")}</label>
            <input id={`${id}-param`} value={param} onChange={(e) => setParam(e.target.value)} />
          </div>
        ) : null}
        <button type="button" disabled={busy || selected.length === 0} onClick={apply}>
          <Play aria-hidden size={16} /> {t("Apply to {n} selected", { n: selected.length })}
        </button>
      </div>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <ConfirmDialog
        open={confirm}
        title={t("Delete {n} media?", { n: selected.length })}
        confirmLabel={t("Delete for good")}
        busy={busy}
        onConfirm={() => void run()}
        onClose={() => setConfirm(false)}
      >
        <p>{t("Their pages, files, comments and history go away. This cannot be undone.")}</p>
        {error ? <p className="notice error">{error}</p> : null}
      </ConfirmDialog>
    </section>
  );
}
