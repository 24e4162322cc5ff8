import { t } from "../lib/i18n";
import { type MediaItem, type Page, type Schemas } from "../api";
import { MediaList } from "../components/MediaGrid";
import { useFetch } from "../components/useFetch";

type Props = { q: string; c?: string; t?: string };
/** A page of results: each with its snippet (HTML, matched words in <mark>), and "did you
 * mean" (a corrected query that finds something) when the words found little. */
type SearchPage = Page<MediaItem & Pick<Schemas["MediaSearch"], "snippet">> & {
  suggestion?: string | null;
};

/** The API's query: words (q), and a category (c) or a tag (t) as /categories and /tags link. */
function searchUrl(props: Props): string | null {
  const query = new URLSearchParams();
  for (const key of ["q", "c", "t"] as const) if (props[key]) query.set(key, props[key] as string);
  return query.toString() ? `/api/v1/search?${query.toString()}` : null;
}

export default function Search({ props: given }: { props: Props }) {
  const url = searchUrl(given);
  const props = { ...given, q: given.q || given.c || given.t || "" };
  const { data, error, loading } = useFetch<SearchPage>(url);
  if (!props.q) return <p className="notice">{t("Type words to look for in the search box above.")}</p>;
  if (error) return <p className="notice error" role="alert">{error.detail}</p>;
  if (loading || !data) return <p className="loading">{t("Searching…")}</p>;
  const results = data.results ?? [];
  const count = data.count ?? results.length;
  const suggestion = data.suggestion;
  return (
    <>
      {suggestion ? (
        <p className="suggestion">
          {t("Did you mean")}{" "}
          <a href={`/search?q=${encodeURIComponent(suggestion)}`}>{suggestion}</a>?
        </p>
      ) : null}
      <p role="status">
        {results.length === 0
          ? t("No media matches “{q}”.", { q: props.q })
          : count === 1
            ? t("1 result for “{q}”.", { q: props.q })
            : t("{n} results for “{q}”.", { n: count, q: props.q })}
      </p>
      <MediaList items={results} />
    </>
  );
}
