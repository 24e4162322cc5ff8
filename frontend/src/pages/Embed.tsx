import "./embed.css";
import { type MediaDetail, mediaDetailPath } from "../api";
import { Player } from "../components/player/Player";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";

type Embedding = { any: boolean; hosts: string[]; disabled: boolean };
type Props = {
  friendly_token: string;
  title: string;
  watch_url: string;
  start?: number;
  autoplay?: boolean;
  loop?: boolean;
  show_title?: boolean;
  /** Where the player may be embedded: given only when the page is opened on its own. */
  embedding?: Embedding | null;
};

function EmbeddingNote({ embedding }: { embedding: Embedding }) {
  return (
    <p className="embed-note">
      {embedding.any
        ? t("This player may be embedded on any site.")
        : t("This player may be embedded only on: {hosts}.", { hosts: embedding.hosts.join(", ") })}
    </p>
  );
}

export default function Embed({ props }: { props: Props }) {
  const { data, error } = useFetch<MediaDetail>(mediaDetailPath(props.friendly_token));
  const showTitle = props.show_title !== false;
  return (
    <div className="embed-page">
      {showTitle ? (
        <h1 className="embed-title">
          <a href={props.watch_url} target="_blank" rel="noopener">
            {props.title}
          </a>
        </h1>
      ) : (
        <h1 className="visually-hidden">{props.title}</h1>
      )}
      {error ? (
        <p className="notice error">{t("This media is not available.")}</p>
      ) : data ? (
        <Player
          media={{ ...data, friendly_token: props.friendly_token }}
          autoplayMuted={Boolean(props.autoplay)}
          loop={Boolean(props.loop)}
          startTime={props.start && props.start > 0 ? props.start : null}
        />
      ) : null}
      {props.embedding ? <EmbeddingNote embedding={props.embedding} /> : null}
    </div>
  );
}
