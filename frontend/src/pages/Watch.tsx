import { ThumbsDown } from "lucide-react";
import { ThumbsUp } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type MediaDetail, type Viewer, api, mediaDetailPath } from "../api";
import { Comments } from "../components/Comments";
import { ContentCredentials } from "../components/ContentCredentials";
import { Corrections, mediaWithheld } from "../components/Corrections";
import { MediaList } from "../components/MediaGrid";
import { Player } from "../components/player/Player";
import { SaveToPlaylist } from "../components/SaveToPlaylist";
import { ShareButton } from "../components/ShareButton";
import { VerifiedBadge } from "../components/VerifiedBadge";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";
import { Description } from "../lib/linkify";

type Props = { friendly_token: string; title: string };

/** The page address's start time, ``?t=90`` (seconds, as the share dialog's link at the
 * current time writes it), or null. */
function startTime(): number | null {
  const value = Number(new URLSearchParams(window.location.search).get("t") ?? "");
  return Number.isFinite(value) && value > 0 ? value : null;
}

function Actions({ media }: { media: MediaDetail }) {
  const [likes, setLikes] = useState(media.likes);
  const [dislikes, setDislikes] = useState(media.dislikes);
  const [message, setMessage] = useState("");
  const [reporting, setReporting] = useState(false);
  const [reason, setReason] = useState("");
  const send = async (type: string, extra_info = "") => {
    try {
      await api(`/api/v1/media/${media.friendly_token}/actions`, { method: "POST", body: { type, extra_info } });
      return true;
    } catch (err) {
      setMessage(err instanceof ApiError ? err.detail : t("That did not reach the server; try again."));
      return false;
    }
  };
  const like = async () => {
    if (await send("like")) {
      setLikes((n) => n + 1);
      setMessage(t("Thanks, your like is counted."));
    }
  };
  const dislike = async () => {
    if (await send("dislike")) {
      setDislikes((n) => n + 1);
      setMessage(t("Your dislike is counted."));
    }
  };
  const report = async (event: FormEvent) => {
    event.preventDefault();
    if (await send("report", reason)) {
      setReporting(false);
      setReason("");
      setMessage(t("Thank you: an editor will look at your report."));
    }
  };
  return (
    <div className="media-actions">
      <button type="button" onClick={like} aria-label={t("Like, {n}", { n: likes })}>
        <ThumbsUp aria-hidden="true" size={18} /> <span aria-hidden="true">{likes}</span>
      </button>
      <button type="button" onClick={dislike} aria-label={t("Dislike, {n}", { n: dislikes })}>
        <ThumbsDown aria-hidden="true" size={18} /> <span aria-hidden="true">{dislikes}</span>
      </button>
      <button type="button" aria-expanded={reporting} onClick={() => setReporting(!reporting)}>
        {t("Report")}
      </button>
      {reporting ? (
        <form className="report-form" onSubmit={report}>
          <label htmlFor="report-reason">{t("What is wrong with this media?")}</label>
          <textarea id="report-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} required />
          <button type="submit">{t("Send the report")}</button>
        </form>
      ) : null}
      <p className="action-message" role="status">
        {message}
      </p>
    </div>
  );
}

export default function Watch({ props, viewer }: { props: Props; viewer: Viewer }) {
  const url = mediaDetailPath(props.friendly_token);
  const { data, error, reload } = useFetch<MediaDetail>(url);
  const media = data ? { ...data, friendly_token: props.friendly_token } : null;

  // While the media encodes, look again now and then so the player appears when it is ready.
  const waiting = media && !media.hls_info?.master_file && ["pending", "running"].includes(media.encoding_status);
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setTimeout(reload, 5000);
    return () => window.clearTimeout(timer);
  }, [waiting, data, reload]);

  const [watched, setWatched] = useState(false);
  const onPlay = () => {
    if (watched) return;
    setWatched(true);
    void api(`${url}/actions`, { method: "POST", body: { type: "watch" } }).catch(() => undefined);
  };

  if (error) {
    return (
      <p className="notice error" role="alert">
        {error.status === 404 || error.status === 401 || error.status === 403
          ? t("This media is not available.")
          : error.detail}
      </p>
    );
  }
  if (!media) return <p className="loading">{t("Loading…")}</p>;
  return (
    <div className="watch">
      {mediaWithheld(media) ? null : <Player media={media} onPlay={onPlay} panels startTime={startTime()} />}
      <div className="watch-details">
        <p className="author">
          <a href={media.author_profile}>{media.author_name}</a>{" "}
          {media.author_verified ? <VerifiedBadge /> : null}
        </p>
        <p className="media-meta">
          {t("{n} views", { n: media.views })} ·{" "}
          <time dateTime={media.add_date}>
            {new Date(media.add_date).toLocaleDateString(document.documentElement.lang || undefined)}
          </time>
          {media.state === "private" ? ` · ${t("Private")}` : media.state === "unlisted" ? ` · ${t("Unlisted")}` : ""}
        </p>
        <Actions media={media} />
        <ShareButton token={props.friendly_token} title={media.title} />
        {viewer.username ? <SaveToPlaylist token={props.friendly_token} username={viewer.username} /> : null}
        <Corrections media={media} viewer={viewer} onChange={reload} />
        {media.description ? <Description text={media.description} /> : null}
        <ContentCredentials media={media} />
      </div>
      <Comments token={props.friendly_token} viewer={viewer} enabled={media.enable_comments} mediaOwner={media.user} />
      {media.related_media?.length ? (
        <section aria-labelledby="related-title">
          <h2 id="related-title">{t("Related media")}</h2>
          <MediaList items={media.related_media} />
        </section>
      ) : null}
    </div>
  );
}
