import { t } from "../lib/i18n";
import type { MediaItem } from "../api";
import { MediaList } from "../components/MediaGrid";
import { useFetch } from "../components/useFetch";

type Detail = { title: string; description: string; user: string; playlist_media: MediaItem[] };

export default function Playlist({ props }: { props: { friendly_token: string } }) {
  const { data, error } = useFetch<Detail>(`/api/v1/playlists/${encodeURIComponent(props.friendly_token)}`);
  if (error) return <p className="notice error" role="alert">{error.detail}</p>;
  if (!data) return <p className="loading">{t("Loading…")}</p>;
  return (
    <>
      <p>
        {t("By")} <a href={`/user/${encodeURIComponent(data.user)}`}>{data.user}</a>
      </p>
      {data.description ? <p className="description">{data.description}</p> : null}
      {data.playlist_media.length ? <MediaList items={data.playlist_media} /> : <p className="notice">{t("This playlist is empty.")}</p>}
    </>
  );
}
