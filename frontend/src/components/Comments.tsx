import { type FormEvent, useEffect, useId, useState } from "react";
import { ApiError, type Page, type Viewer, api } from "../api";
import { type Comment, type Thread, canDeleteComment, threadComments, withoutComment } from "../lib/comments";
import { t } from "../lib/i18n";

function CommentForm({ token, parent, onPosted, label }: {
  token: string;
  parent: string | null;
  onPosted: (comment: Comment) => void;
  label: string;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      const body: Record<string, string> = { text };
      if (parent) body.parent = parent;
      const comment = await api<Comment>(`/api/v1/media/${token}/comments`, { method: "POST", body });
      setText("");
      setError("");
      onPosted(comment);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("Your comment could not be sent."));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="comment-form" onSubmit={submit}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} value={text} onChange={(e) => setText(e.target.value)} rows={3} required />
      {error ? <p className="field-errors" role="alert">{error}</p> : null}
      <button type="submit" disabled={busy}>
        {busy ? t("Sending…") : t("Post")}
      </button>
    </form>
  );
}

type NodeProps = {
  node: Thread;
  token: string;
  canReply: boolean;
  onPosted: (comment: Comment) => void;
  canDelete: (comment: Comment) => boolean;
  onDeleted: (uid: string) => void;
};

function CommentNode({ node, token, canReply, onPosted, canDelete, onDeleted }: NodeProps) {
  const [replying, setReplying] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const remove = async () => {
    try {
      await api(`/api/v1/media/${token}/comments/${node.uid}`, { method: "DELETE" });
      onDeleted(node.uid);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("The comment could not be deleted; try again."));
    }
  };
  return (
    <li className="comment" data-uid={node.uid}>
      <p className="comment-meta">
        <img className="avatar" src={node.author_thumbnail_url} alt="" width={28} height={28} />{" "}
        <a href={node.author_profile}>{node.author_name}</a> ·{" "}
        <time dateTime={node.add_date}>{new Date(node.add_date).toLocaleString()}</time>
      </p>
      <p className="comment-text">{node.text}</p>
      <div className="comment-buttons">
        {canReply ? (
          <button type="button" className="link-button" aria-expanded={replying} onClick={() => setReplying(!replying)}>
            {t("Reply")}
          </button>
        ) : null}
        {canDelete(node) && !confirming ? (
          <button type="button" className="link-button" onClick={() => setConfirming(true)}>
            {t("Delete")} <span className="visually-hidden">{t("the comment by {name}", { name: node.author_name })}</span>
          </button>
        ) : null}
        {confirming ? (
          <span role="group" aria-label={t("Delete this comment?")}>
            {t("Delete it and its replies?")}{" "}
            <button type="button" className="link-button" onClick={() => void remove()}>
              {t("Yes, delete")}
            </button>{" "}
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              {t("Keep it")}
            </button>
          </span>
        ) : null}
      </div>
      {error ? <p className="field-errors" role="alert">{error}</p> : null}
      {replying ? (
        <CommentForm
          token={token}
          parent={node.uid}
          label={t("Reply to {name}", { name: node.author_name })}
          onPosted={(comment) => {
            setReplying(false);
            onPosted(comment);
          }}
        />
      ) : null}
      {node.replies.length ? (
        <ul className="comment-replies">
          {node.replies.map((reply) => (
            <CommentNode
              key={reply.uid}
              node={reply}
              token={token}
              canReply={canReply}
              onPosted={onPosted}
              canDelete={canDelete}
              onDeleted={onDeleted}
            />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

type CommentsProps = { token: string; viewer: Viewer; enabled: boolean; mediaOwner: string };

export function Comments({ token, viewer, enabled, mediaOwner }: CommentsProps) {
  const [flat, setFlat] = useState<Comment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState("");
  const load = async (url: string, append: boolean) => {
    try {
      const page = await api<Page<Comment>>(url);
      setFlat((old) => (append ? [...old, ...page.results] : page.results));
      setNext(page.next);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("Comments could not be loaded."));
    }
  };
  useEffect(() => {
    void load(`/api/v1/media/${token}/comments`, false);
  }, [token]);
  const posted = (comment: Comment) => setFlat((old) => [comment, ...old]);
  const [status, setStatus] = useState("");
  const deleted = (uid: string) => {
    setFlat((old) => withoutComment(old, uid));
    setStatus(t("The comment was deleted."));
  };
  const canDelete = (comment: Comment) => canDeleteComment(comment, viewer, mediaOwner);
  const signedIn = Boolean(viewer.username);
  return (
    <section className="comments" aria-labelledby="comments-title">
      <h2 id="comments-title">{t("Comments ({n})", { n: `${flat.length}${next ? "+" : ""}` })}</h2>
      {!enabled ? <p className="notice">{t("Comments are turned off for this media.")}</p> : null}
      {enabled && signedIn ? <CommentForm token={token} parent={null} label={t("Add a comment")} onPosted={posted} /> : null}
      {enabled && !signedIn ? (
        <p>
          <a href={`/accounts/login/?next=${encodeURIComponent(location.pathname + location.search)}`}>{t("Log in")}</a>{" "}
          {t("to comment.")}
        </p>
      ) : null}
      {error ? <p className="notice error" role="alert">{error}</p> : null}
      <p className="visually-hidden" role="status">
        {status}
      </p>
      <ul className="comment-list">
        {threadComments(flat).map((node) => (
          <CommentNode
            key={node.uid}
            node={node}
            token={token}
            canReply={enabled && signedIn}
            onPosted={posted}
            canDelete={canDelete}
            onDeleted={deleted}
          />
        ))}
      </ul>
      {next ? (
        <button type="button" onClick={() => void load(next, true)}>
          {t("Older comments")}
        </button>
      ) : null}
    </section>
  );
}
