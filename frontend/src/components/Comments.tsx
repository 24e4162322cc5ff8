import { type FormEvent, useEffect, useId, useState } from "react";
import { ApiError, type Page, type Viewer, api } from "../api";
import { type Comment, type Thread, canDeleteComment, threadComments, withoutComment } from "../lib/comments";

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
      setError(err instanceof ApiError ? err.detail : "Your comment could not be sent.");
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
        {busy ? "Sending…" : "Post"}
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
      setError(err instanceof ApiError ? err.detail : "The comment could not be deleted; try again.");
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
            Reply
          </button>
        ) : null}
        {canDelete(node) && !confirming ? (
          <button type="button" className="link-button" onClick={() => setConfirming(true)}>
            Delete <span className="visually-hidden">the comment by {node.author_name}</span>
          </button>
        ) : null}
        {confirming ? (
          <span role="group" aria-label="Delete this comment?">
            Delete it and its replies?{" "}
            <button type="button" className="link-button" onClick={() => void remove()}>
              Yes, delete
            </button>{" "}
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        ) : null}
      </div>
      {error ? <p className="field-errors" role="alert">{error}</p> : null}
      {replying ? (
        <CommentForm
          token={token}
          parent={node.uid}
          label={`Reply to ${node.author_name}`}
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
      setError(err instanceof ApiError ? err.detail : "Comments could not be loaded.");
    }
  };
  useEffect(() => {
    void load(`/api/v1/media/${token}/comments`, false);
  }, [token]);
  const posted = (comment: Comment) => setFlat((old) => [comment, ...old]);
  const [status, setStatus] = useState("");
  const deleted = (uid: string) => {
    setFlat((old) => withoutComment(old, uid));
    setStatus("The comment was deleted.");
  };
  const canDelete = (comment: Comment) => canDeleteComment(comment, viewer, mediaOwner);
  const signedIn = Boolean(viewer.username);
  return (
    <section className="comments" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments ({flat.length}{next ? "+" : ""})</h2>
      {!enabled ? <p className="notice">Comments are turned off for this media.</p> : null}
      {enabled && signedIn ? <CommentForm token={token} parent={null} label="Add a comment" onPosted={posted} /> : null}
      {enabled && !signedIn ? (
        <p>
          <a href={`/accounts/login/?next=${encodeURIComponent(location.pathname + location.search)}`}>Log in</a> to
          comment.
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
          Older comments
        </button>
      ) : null}
    </section>
  );
}
