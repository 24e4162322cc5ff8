import { type Page } from "../api";
import { MediaGrid } from "../components/MediaGrid";
import { VerifiedBadge } from "../components/VerifiedBadge";
import { useFetch } from "../components/useFetch";

type Props = {
  username: string;
  name: string;
  description: string;
  is_verified_journalist: boolean;
  verified_outlet: string;
};
type PlaylistItem = { friendly_token: string; title: string; media_count: number };

export default function Channel({ props }: { props: Props }) {
  const author = encodeURIComponent(props.username);
  const playlists = useFetch<Page<PlaylistItem>>(`/api/v1/playlists?author=${author}`);
  return (
    <>
      <p className="channel-header">
        @{props.username}{" "}
        {props.is_verified_journalist ? <VerifiedBadge outlet={props.verified_outlet} /> : null}
        {props.verified_outlet ? <span> · {props.verified_outlet}</span> : null}
      </p>
      {props.description ? <p className="description">{props.description}</p> : null}
      <section aria-labelledby="channel-media">
        <h2 id="channel-media">Media</h2>
        <MediaGrid url={`/api/v1/media?author=${author}`} empty="No media here yet." />
      </section>
      {playlists.data?.results.length ? (
        <section aria-labelledby="channel-playlists">
          <h2 id="channel-playlists">Playlists</h2>
          <ul>
            {playlists.data.results.map((p) => (
              <li key={p.friendly_token}>
                <a href={`/playlist/${p.friendly_token}`}>{p.title}</a> ({p.media_count})
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
