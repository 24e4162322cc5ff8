import "./browse.css";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";

type Category = { title: string; description: string; media_count: number; thumbnail_url: string | null };

/** MediaCMS's /categories: every category, with how many media anyone may find in it. */
export default function Categories() {
  const { data, error } = useFetch<Category[]>("/api/v1/categories");
  if (error) return <p className="notice error" role="alert">{error.detail}</p>;
  if (!data) return <p className="loading">{t("Loading…")}</p>;
  const shown = data.filter((c) => c.media_count > 0);
  if (!shown.length) return <p className="notice">{t("No category has media yet.")}</p>;
  return (
    <ul className="browse-list browse-categories">
      {shown.map((c) => (
        <li key={c.title}>
          <a href={`/search?c=${encodeURIComponent(c.title)}`}>
            <span className="browse-name">{c.title}</span>{" "}
            <span className="browse-count">{c.media_count === 1 ? t("1 media") : t("{n} media", { n: c.media_count })}</span>
          </a>
          {c.description ? <p className="browse-description">{c.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}
