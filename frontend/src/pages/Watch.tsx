import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type MediaDetail, type Viewer, api, mediaDetailPath } from "../api";
import { Comments } from "../components/Comments";
import { MediaList } from "../components/MediaGrid";
import { Player } from "../components/Player";
import { SaveToPlaylist } from "../components/SaveToPlaylist";
import { VerifiedBadge } from "../components/VerifiedBadge";
import { useFetch } from "../components/useFetch";

type Props = { friendly_token: string; title: string };

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
      setMessage(err instanceof ApiError ? err.detail : "That did not reach the server; try again.");
      return false;
    }
  };
  const like = async () => {
    if (await send("like")) {
      setLikes((n) => n + 1);
      setMessage("Thanks, your like is counted.");
    }
  };
  const dislike = async () => {
    if (await send("dislike")) {
      setDislikes((n) => n + 1);
      setMessage("Your dislike is counted.");
    }
  };
  const report = async (event: FormEvent) => {
    event.preventDefault();
    if (await send("report", reason)) {
      setReporting(false);
      setReason("");
      setMessage("Thank you: an editor will look at your report.");
    }
  };
  return (
    <div className="media-actions">
      <button type="button" onClick={like} aria-label={`Like (${likes})`}>
        👍 <span aria-hidden="true">{likes}</span>
      </button>
      <button type="button" onClick={dislike} aria-label={`Dislike (${dislikes})`}>
        👎 <span aria-hidden="true">{dislikes}</span>
      </button>
      <button type="button" aria-expanded={reporting} onClick={() => setReporting(!reporting)}>
        Report
      </button>
      {reporting ? (
        <form className="report-form" onSubmit={report}>
          <label htmlFor="report-reason">What is wrong with this media?</label>
          <textarea id="report-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} required />
          <button type="submit">Send the report</button>
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
          ? "This media is not available."
          : error.detail}
      </p>
    );
  }
  if (!media) return <p className="loading">Loading…</p>;
  return (
    <div className="watch">
      <Player media={media} onPlay={onPlay} />
      <div className="watch-details">
        <p className="author">
          <a href={media.author_profile}>{media.author_name}</a>{" "}
          {media.author_verified ? <VerifiedBadge /> : null}
        </p>
        <p className="media-meta">
          {media.views} views · <time dateTime={media.add_date}>{new Date(media.add_date).toLocaleDateString()}</time>
          {media.state !== "public" ? ` · ${media.state}` : ""}
        </p>
        <Actions media={media} />
        {viewer.username ? <SaveToPlaylist token={props.friendly_token} username={viewer.username} /> : null}
        {media.description ? <div className="description">{media.description}</div> : null}
      </div>
      <Comments token={props.friendly_token} viewer={viewer} enabled={media.enable_comments} mediaOwner={media.user} />
      {media.related_media?.length ? (
        <section aria-labelledby="related-title">
          <h2 id="related-title">Related media</h2>
          <MediaList items={media.related_media} />
        </section>
      ) : null}
    </div>
  );
}
