import { t } from "../lib/i18n";
import { useEffect, useState } from "react";
import { ApiError, type MediaItem, type Page, api } from "../api";
import { formatDuration } from "../lib/format";
import { Marked } from "../lib/marked";
import { VerifiedBadge } from "./VerifiedBadge";

export function MediaCard({ item, snippet }: { item: MediaItem; snippet?: string }) {
  return (
    <li className="media-card">
      <a href={`/view?m=${encodeURIComponent(item.friendly_token)}`}>
        <span className="thumb">
          {item.thumbnail_url ? <img src={item.thumbnail_url} alt="" loading="lazy" /> : <span className="thumb-empty" />}
          {item.media_type === "video" || item.media_type === "audio" ? (
            <span className="duration">{formatDuration(item.duration)}</span>
          ) : null}
        </span>
        <span className="media-title">{item.title}</span>
      </a>
      {snippet ? <Marked className="media-snippet" html={snippet} /> : null}
      <span className="media-meta">
        <a href={item.author_profile}>{item.author_name}</a>
        {item.author_verified ? <> <VerifiedBadge /></> : null} · {t("{n} views", { n: item.views })}
      </span>
    </li>
  );
}

export function MediaList({ items }: { items: (MediaItem & { snippet?: string })[] }) {
  return (
    <ul className="media-grid">
      {items.map((item) => (
        <MediaCard key={item.friendly_token} item={item} snippet={item.snippet} />
      ))}
    </ul>
  );
}

/** A paginated media listing from the API, with a "More" button for the next page. */
export function MediaGrid({ url, empty }: { url: string; empty: string }) {
  const [items, setItems] = useState<MediaItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);

  const load = async (pageUrl: string, append: boolean) => {
    setLoading(true);
    try {
      const page = await api<Page<MediaItem>>(pageUrl);
      setItems((old) => (append ? [...old, ...page.results] : page.results));
      setNext(page.next);
      setError("");
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("The server could not be reached."));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(url, false);
  }, [url]);

  if (error) return <p className="notice error" role="alert">{error}</p>;
  if (!loading && items.length === 0) return <p className="notice">{empty}</p>;
  return (
    <>
      <MediaList items={items} />
      {loading ? <p className="loading">{t("Loading…")}</p> : null}
      {next && !loading ? (
        <button type="button" onClick={() => void load(next, true)}>
          {t("More")}
        </button>
      ) : null}
    </>
  );
}
