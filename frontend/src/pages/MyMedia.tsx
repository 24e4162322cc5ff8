import { Pencil } from "lucide-react";
import { RotateCcw } from "lucide-react";
import { Trash2 } from "lucide-react";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, type MediaDetail, type MediaItem, type Page, api } from "../api";
import { BulkBar } from "../components/studio/BulkBar";
import { ConfirmDialog } from "../components/studio/ConfirmDialog";
import { bulkAction, messageOf } from "../components/studio/api";
import "../components/studio/studio.css";
import { t } from "../lib/i18n";
import { encodingProgress } from "../lib/sources";

const POLL_MS = 4000;

type Row = MediaItem & { progress: number | null; reason?: string | null };

export function stateText(item: MediaItem): string {
  if (item.encoding_status === "fail") return t("Encoding failed");
  if (item.encoding_status === "pending") return t("Waiting to encode");
  if (item.encoding_status === "running") return t("Encoding");
  if (item.is_reviewed === false) return t("Waiting for an editor's review");
  const names: Record<string, string> = { public: t("Published"), unlisted: t("Unlisted"), private: t("Private") };
  return names[item.state] ?? item.state;
}

const busy = (item: MediaItem) => item.encoding_status === "pending" || item.encoding_status === "running";

/** The select-all box's state for ``selected`` of ``all``. */
export function selectAllState(all: string[], selected: Set<string>): "none" | "some" | "all" {
  const n = all.filter((token) => selected.has(token)).length;
  return n === 0 ? "none" : n === all.length ? "all" : "some";
}

function SelectAll({ rows, selected, onChange }: { rows: Row[]; selected: Set<string>; onChange: (next: Set<string>) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const tokens = rows.map((row) => row.friendly_token);
  const state = selectAllState(tokens, selected);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === "some";
  }, [state]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={t("Select all")}
      checked={state === "all"}
      onChange={(e) => onChange(e.target.checked ? new Set(tokens) : new Set())}
    />
  );
}

export default function MyMedia({ props }: { props: { username: string } }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState("");
  const [deleting, setDeleting] = useState<Row | null>(null);
  const [working, setWorking] = useState(false);
  // MediaCMS's ``page`` (50 a page): owners with a long archive page through it.
  const [pageNo, setPageNo] = useState(1);
  const [more, setMore] = useState({ previous: false, next: false });

  const refresh = useCallback(async () => {
    try {
      const page = await api<Page<MediaItem>>(
        `/api/v1/media?author=${encodeURIComponent(props.username)}&page=${pageNo}`,
        { cache: "no-store" },
      );
      setMore({ previous: Boolean(page.previous), next: Boolean(page.next) });
      // Progress lives in each media's encodings; ask only for those still encoding.
      const withProgress = await Promise.all(
        page.results.map(async (item): Promise<Row> => {
          if (item.encoding_status === "fail") {
            // Why it failed is in the detail (for the owner only), not in listings.
            try {
              const detail = await api<MediaDetail>(`/api/v1/media/${item.friendly_token}`);
              return { ...item, progress: null, reason: detail.encoding_fail_reason };
            } catch {
              return { ...item, progress: null };
            }
          }
          if (!busy(item)) return { ...item, progress: null };
          try {
            const detail = await api<MediaDetail>(`/api/v1/media/${item.friendly_token}`);
            return { ...item, encoding_status: detail.encoding_status, progress: encodingProgress(detail) };
          } catch {
            return { ...item, progress: null };
          }
        }),
      );
      setRows(withProgress);
      // Forget selections of media that are gone.
      setSelected((prev) => new Set([...prev].filter((token) => withProgress.some((r) => r.friendly_token === token))));
      setError("");
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && pageNo > 1) {
        setPageNo(pageNo - 1); // the last page emptied (a bulk delete): show the one before
        return;
      }
      setError(err instanceof ApiError ? err.detail : t("The server could not be reached; retrying."));
    }
  }, [props.username, pageNo]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const polling = rows === null ? false : rows.some(busy);
  useEffect(() => {
    if (!polling && !error) return;
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling, error, refresh]);

  const toggle = (token: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(token);
      else next.delete(token);
      return next;
    });

  async function retry(row: Row) {
    setWorking(true);
    try {
      await bulkAction({ media_ids: [row.friendly_token], action: "retry_encoding" });
      setMessage(t("“{title}” will be encoded again.", { title: row.title }));
      await refresh();
    } catch (err) {
      setMessage(messageOf(err));
    } finally {
      setWorking(false);
    }
  }

  async function remove(row: Row) {
    setWorking(true);
    try {
      await api(`/api/v1/media/${encodeURIComponent(row.friendly_token)}`, { method: "DELETE" });
      setDeleting(null);
      setMessage(t("“{title}” was deleted.", { title: row.title }));
      await refresh();
    } catch (err) {
      setMessage(messageOf(err));
    } finally {
      setWorking(false);
    }
  }

  if (rows === null) return error ? <p className="notice error">{error}</p> : <p className="loading">{t("Loading…")}</p>;
  if (rows.length === 0) {
    return (
      <p className="notice">
        {t("You have not uploaded anything yet.")} <a href="/upload">{t("Upload media")}</a>
      </p>
    );
  }
  const chosen = rows.filter((row) => selected.has(row.friendly_token)).map((row) => row.friendly_token);
  return (
    <>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <p role="status" className="studio-status">
        {message}
      </p>
      {chosen.length > 0 ? (
        <BulkBar
          username={props.username}
          selected={chosen}
          onDone={(text) => {
            setMessage(text);
            setSelected(new Set());
            void refresh();
          }}
        />
      ) : null}
      <div className="my-media-wrap">
        <table className="my-media">
          <caption className="visually-hidden">{t("Your media and their state")}</caption>
          <thead>
            <tr>
              <th scope="col">
                <SelectAll rows={rows} selected={selected} onChange={setSelected} />
              </th>
              <th scope="col">{t("Title")}</th>
              <th scope="col">{t("Type")}</th>
              <th scope="col">{t("State")}</th>
              <th scope="col">{t("Encoding")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("Actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={row.friendly_token}
                data-token={row.friendly_token}
                data-encoding={row.encoding_status}
                data-state={row.state}
              >
                <td>
                  <input
                    type="checkbox"
                    aria-label={t("Select {title}", { title: row.title })}
                    checked={selected.has(row.friendly_token)}
                    onChange={(e) => toggle(row.friendly_token, e.target.checked)}
                  />
                </td>
                <th scope="row">
                  <a href={`/view?m=${row.friendly_token}`}>{row.title}</a>
                </th>
                <td>{row.media_type}</td>
                <td>{stateText(row)}</td>
                <td>
                  {busy(row) ? (
                    <>
                      <progress
                        max={100}
                        value={row.progress ?? undefined}
                        aria-label={t("Encoding {title}", { title: row.title })}
                      />{" "}
                      {row.progress !== null ? `${row.progress}%` : t("waiting")}
                    </>
                  ) : row.encoding_status === "success" ? (
                    t("Done")
                  ) : (
                    <span className="error">
                      {t("Failed")}
                      {row.reason ? (
                        <>
                          : <span className="fail-reason">{row.reason}</span>
                        </>
                      ) : null}
                    </span>
                  )}
                </td>
                <td className="row-actions">
                  {row.encoding_status === "fail" ? (
                    <button type="button" className="link-button" disabled={working} onClick={() => void retry(row)}>
                      <RotateCcw aria-hidden size={16} />
                      {t("Retry")} <span className="visually-hidden">{row.title}</span>
                    </button>
                  ) : null}
                  <a className="edit-link" href={`/edit?m=${row.friendly_token}`} aria-label={t("Edit {title}", { title: row.title })}>
                    <Pencil aria-hidden size={16} />
                    {t("Edit")}
                  </a>
                  <button type="button" className="link-button" onClick={() => setDeleting(row)}>
                    <Trash2 aria-hidden size={16} />
                    {t("Delete")} <span className="visually-hidden">{row.title}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more.previous || more.next ? (
        <nav className="pager" aria-label={t("Pages of your media")}>
          <button type="button" disabled={!more.previous} onClick={() => setPageNo((n) => Math.max(1, n - 1))}>
            {t("Previous page")}
          </button>
          <span>{t("Page {n}", { n: pageNo })}</span>
          <button type="button" disabled={!more.next} onClick={() => setPageNo((n) => n + 1)}>
            {t("Next page")}
          </button>
        </nav>
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        title={t("Delete “{title}”?", { title: deleting?.title ?? "" })}
        confirmLabel={t("Delete for good")}
        busy={working}
        onConfirm={() => deleting && void remove(deleting)}
        onClose={() => setDeleting(null)}
      >
        <p>{t("Its page, files, comments and history go away. This cannot be undone.")}</p>
      </ConfirmDialog>
    </>
  );
}
