import { Save } from "lucide-react";
import { type FormEvent, useEffect, useId, useState } from "react";
import { t } from "../../lib/i18n";
import { Description } from "../../lib/linkify";
import { type EditableDetail, editMedia, messageOf } from "./api";
import "./studio.css";

type Category = { title: string; uid: string };

type Draft = {
  title: string;
  description: string;
  tags: string;
  categories: string[];
  state: string;
  allow_download: boolean;
  enable_comments: boolean;
  embed_domains: string;
  language: string;
};

/** Languages search stems (docs/search.md), each in its own name; "" is unknown. */
export const LANGUAGES: [string, string][] = [
  ["en", "English"],
  ["fr", "Français"],
  ["es", "Español"],
  ["pt", "Português"],
  ["de", "Deutsch"],
  ["it", "Italiano"],
  ["nl", "Nederlands"],
  ["ar", "العربية"],
  ["ru", "Русский"],
  ["tr", "Türkçe"],
  ["sw", "Kiswahili"],
  ["hi", "हिन्दी"],
];

function draftOf(media: EditableDetail): Draft {
  return {
    title: media.title,
    description: media.description ?? "",
    tags: (media.tags_info ?? []).map((tag) => tag.title).join(", "),
    categories: (media.categories_info ?? []).map((c) => c.title),
    state: media.state,
    allow_download: media.allow_download ?? true,
    enable_comments: media.enable_comments ?? true,
    embed_domains: (media.embed_domains ?? []).join(", "),
    language: media.language ?? "",
  };
}

/** What the PUT carries: only the fields that differ from the media as loaded. */
export function changedFields(before: Draft, after: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (after.title !== before.title) body.title = after.title;
  if (after.description !== before.description) body.description = after.description;
  if (after.tags !== before.tags) body.tags = after.tags;
  if ([...after.categories].sort().join("\n") !== [...before.categories].sort().join("\n")) {
    body.categories = after.categories;
  }
  if (after.state !== before.state) body.state = after.state;
  if (after.allow_download !== before.allow_download) body.allow_download = after.allow_download;
  if (after.enable_comments !== before.enable_comments) body.enable_comments = after.enable_comments;
  if (after.embed_domains !== before.embed_domains) body.embed_domains = after.embed_domains;
  if (after.language !== before.language) body.language = after.language;
  return body;
}

type Props = { media: EditableDetail; canPublish: boolean; onSaved: (media: EditableDetail) => void };

export function DetailsForm({ media, canPublish, onSaved }: Props) {
  const id = useId();
  const [loaded, setLoaded] = useState(() => draftOf(media));
  const [draft, setDraft] = useState(loaded);
  const [categories, setCategories] = useState<Category[]>([]);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");

  useEffect(() => {
    fetch("/api/v1/categories", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : []))
      .then((list: Category[]) => setCategories(Array.isArray(list) ? list : []))
      .catch(() => setCategories([]));
  }, []);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const body = changedFields(loaded, draft);
  const dirty = Object.keys(body).length > 0;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!dirty) return;
    setSaving(true);
    setMessage("");
    setError("");
    try {
      const next = await editMedia(media.friendly_token, body);
      const fresh = draftOf(next);
      setLoaded(fresh);
      setDraft(fresh);
      onSaved(next);
      setMessage(
        next.state !== draft.state
          ? t("Saved. The media stays private until an editor reviews it.")
          : t("Saved."),
      );
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setSaving(false);
    }
  }

  const toggleCategory = (title: string, on: boolean) =>
    set("categories", on ? [...draft.categories, title] : draft.categories.filter((c) => c !== title));

  return (
    <form className="studio-form" onSubmit={save} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t("Details")}</h2>
      <div className="field">
        <label htmlFor={`${id}-title`}>{t("Title")}</label>
        <input
          id={`${id}-title`}
          name="title"
          required
          maxLength={100}
          value={draft.title}
          onChange={(e) => set("title", e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-desc`}>{t("Description")}</label>
        <textarea
          id={`${id}-desc`}
          name="description"
          rows={6}
          value={draft.description}
          aria-describedby={`${id}-desc-help`}
          onChange={(e) => set("description", e.target.value)}
        />
        <p id={`${id}-desc-help`} className="help">
          {t("Plain text. Web addresses become links.")}
        </p>
        {draft.description ? (
          <details className="studio-preview">
            <summary>{t("Preview")}</summary>
            <Description text={draft.description} />
          </details>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-tags`}>{t("Tags")}</label>
        <input
          id={`${id}-tags`}
          name="tags"
          value={draft.tags}
          aria-describedby={`${id}-tags-help`}
          onChange={(e) => set("tags", e.target.value)}
        />
        <p id={`${id}-tags-help`} className="help">
          {t("Separate tags with commas.")}
        </p>
      </div>
      {categories.length > 0 ? (
        <fieldset className="studio-categories">
          <legend>{t("Categories")}</legend>
          {categories.map((category) => (
            <label key={category.uid} className="studio-check">
              <input
                type="checkbox"
                name="category"
                value={category.title}
                checked={draft.categories.includes(category.title)}
                onChange={(e) => toggleCategory(category.title, e.target.checked)}
              />{" "}
              {category.title}
            </label>
          ))}
        </fieldset>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-language`}>{t("Language spoken or written")}</label>
        <select
          id={`${id}-language`}
          name="language"
          value={draft.language}
          aria-describedby={`${id}-language-help`}
          onChange={(e) => set("language", e.target.value)}
        >
          <option value="">{t("Not said")}</option>
          {LANGUAGES.map(([code, name]) => (
            <option key={code} value={code} lang={code}>
              {name}
            </option>
          ))}
          {draft.language && !LANGUAGES.some(([code]) => code === draft.language) ? (
            <option value={draft.language}>{draft.language}</option>
          ) : null}
        </select>
        <p id={`${id}-language-help`} className="help">
          {t("Search finds other forms of the words in this language.")}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-state`}>{t("Who may see it")}</label>
        <select id={`${id}-state`} name="state" value={draft.state} onChange={(e) => set("state", e.target.value)}>
          <option value="public">{t("Public")}</option>
          <option value="unlisted">{t("Unlisted (anyone with the link)")}</option>
          <option value="private">{t("Private (only me)")}</option>
        </select>
        {!canPublish ? (
          <p className="help">{t("Public and unlisted media wait for an editor's review.")}</p>
        ) : null}
      </div>
      <div className="studio-switches">
        <label className="studio-check">
          <input
            type="checkbox"
            role="switch"
            name="allow_download"
            checked={draft.allow_download}
            onChange={(e) => set("allow_download", e.target.checked)}
          />{" "}
          {t("Allow downloads")}
        </label>
        <label className="studio-check">
          <input
            type="checkbox"
            role="switch"
            name="enable_comments"
            checked={draft.enable_comments}
            onChange={(e) => set("enable_comments", e.target.checked)}
          />{" "}
          {t("Comments on")}
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-embed`}>{t("Other sites that may embed it")}</label>
        <input
          id={`${id}-embed`}
          name="embed_domains"
          value={draft.embed_domains}
          aria-describedby={`${id}-embed-help`}
          placeholder="news.example.org"
          onChange={(e) => set("embed_domains", e.target.value)}
        />
        <p id={`${id}-embed-help`} className="help">
          {t("Host names separated by commas, besides the site's own list; 'none' for no other site.")}
        </p>
      </div>
      <div className="studio-actions">
        <button type="submit" disabled={!dirty || saving}>
          <Save aria-hidden size={16} /> {saving ? t("Saving…") : t("Save changes")}
        </button>
        <span role="status" className="studio-status">
          {message}
        </span>
      </div>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
