import { type MediaItem, type Page } from "../api";
import { MediaList } from "../components/MediaGrid";
import { useFetch } from "../components/useFetch";

export default function Search({ props }: { props: { q: string } }) {
  const url = props.q ? `/api/v1/search?q=${encodeURIComponent(props.q)}` : null;
  const { data, error, loading } = useFetch<Page<MediaItem>>(url);
  if (!props.q) return <p className="notice">Type words to look for in the search box above.</p>;
  if (error) return <p className="notice error" role="alert">{error.detail}</p>;
  if (loading || !data) return <p className="loading">Searching…</p>;
  const results = data.results ?? [];
  return (
    <>
      <p role="status">
        {results.length === 0
          ? `No media matches “${props.q}”.`
          : `${data.count ?? results.length} result${(data.count ?? results.length) === 1 ? "" : "s"} for “${props.q}”.`}
      </p>
      <MediaList items={results} />
    </>
  );
}
