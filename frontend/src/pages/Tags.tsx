import "./browse.css";
import { useEffect, useState } from "react";
import { type Page, api } from "../api";
import { t } from "../lib/i18n";

type Tag = { title: string; media_count: number };

/** MediaCMS's /tags: tags of media anyone may find, the most used first, a page at a time. */
export default function Tags() {
  const [tags, setTags] = useState<Tag[] | null>(null);
  const [next, setNext] = useState<string | null>("/api/v1/tags");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const more = async (url: string) => {
    setBusy(true);
    try {
      const page = await api<Page<Tag>>(url);
      setTags((old) => [...(old ?? []), ...page.results]);
      setNext(page.next ?? null);
    } catch {
      setError(t("The tags could not load. Check your connection and reload."));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void more("/api/v1/tags");
  }, []);
  if (error) return <p className="notice error" role="alert">{error}</p>;
  if (!tags) return <p className="loading">{t("Loading…")}</p>;
  if (!tags.length) return <p className="notice">{t("No tag has media yet.")}</p>;
  return (
    <>
      <ul className="browse-list browse-tags">
        {tags.map((tag) => (
          <li key={tag.title}>
            <a href={`/search?t=${encodeURIComponent(tag.title)}`}>
              <span className="browse-name">{tag.title}</span>{" "}
              <span className="browse-count">{tag.media_count === 1 ? t("1 media") : t("{n} media", { n: tag.media_count })}</span>
            </a>
          </li>
        ))}
      </ul>
      {next ? (
        <button type="button" disabled={busy} onClick={() => void more(next)}>
          {t("More tags")}
        </button>
      ) : null}
    </>
  );
}
