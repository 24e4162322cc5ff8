import "./browse.css";
import { Rss } from "lucide-react";
import { type Page } from "../api";
import { MediaGrid } from "../components/MediaGrid";
import { VerifiedBadge } from "../components/VerifiedBadge";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";

/** The public side of a journalist's verification (views.verification_summary): never the
 * evidence itself, only that an editor of this site checked it. */
type Verification = { outlet: string; role: string; since: string | null; evidence_count: number };

type Props = {
  username: string;
  name: string;
  description: string;
  is_verified_journalist: boolean;
  verified_outlet: string;
  verification?: Verification | null;
  feed_url?: string;
};
type PlaylistItem = { friendly_token: string; title: string; media_count: number };

function VerificationSummary({ verification }: { verification: Verification }) {
  return (
    <section className="verification-summary" aria-labelledby="channel-verification">
      <h2 id="channel-verification">{t("Verified journalist")}</h2>
      <p>{t("The editors of this site checked this person's evidence before verifying them.")}</p>
      <dl>
        {verification.outlet ? (
          <>
            <dt>{t("Outlet")}</dt>
            <dd>{verification.outlet}</dd>
          </>
        ) : null}
        {verification.role ? (
          <>
            <dt>{t("Role")}</dt>
            <dd>{verification.role}</dd>
          </>
        ) : null}
        {verification.since ? (
          <>
            <dt>{t("Verified since")}</dt>
            <dd>
              <time dateTime={verification.since}>{new Date(verification.since).toLocaleDateString()}</time>
            </dd>
          </>
        ) : null}
        {verification.evidence_count ? (
          <>
            <dt>{t("Evidence checked")}</dt>
            <dd>{verification.evidence_count === 1 ? t("1 link") : t("{n} links", { n: verification.evidence_count })}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

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
      {props.verification ? <VerificationSummary verification={props.verification} /> : null}
      {props.description ? <p className="description">{props.description}</p> : null}
      {props.feed_url ? (
        <p>
          <a className="feed-link" href={props.feed_url} type="application/rss+xml">
            <Rss className="icon" aria-hidden="true" /> {t("RSS feed of {name}'s media", { name: props.name })}
          </a>
        </p>
      ) : null}
      <section aria-labelledby="channel-media">
        <h2 id="channel-media">{t("Media")}</h2>
        <MediaGrid url={`/api/v1/media?author=${author}`} empty={t("No media here yet.")} />
      </section>
      {playlists.data?.results.length ? (
        <section aria-labelledby="channel-playlists">
          <h2 id="channel-playlists">{t("Playlists")}</h2>
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
