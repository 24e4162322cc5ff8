import { useCallback, useEffect, useState } from "react";
import { ApiError, type MediaDetail, type MediaItem, type Page, api } from "../api";
import { encodingProgress } from "../lib/sources";

const POLL_MS = 4000;

type Row = MediaItem & { progress: number | null; reason?: string | null };

export function stateText(item: MediaItem): string {
  if (item.encoding_status === "fail") return "Encoding failed";
  if (item.encoding_status === "pending") return "Waiting to encode";
  if (item.encoding_status === "running") return "Encoding";
  if (item.is_reviewed === false) return "Waiting for an editor's review";
  return { public: "Published", unlisted: "Unlisted", private: "Private" }[item.state] ?? item.state;
}

const busy = (item: MediaItem) => item.encoding_status === "pending" || item.encoding_status === "running";

export default function MyMedia({ props }: { props: { username: string } }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState("");

  const refresh = useCallback(async () => {
    try {
      const page = await api<Page<MediaItem>>(`/api/v1/media?author=${encodeURIComponent(props.username)}`);
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
      setError("");
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : "The server could not be reached; retrying.");
    }
  }, [props.username]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const polling = rows === null ? false : rows.some(busy);
  useEffect(() => {
    if (!polling && !error) return;
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling, error, refresh]);

  if (rows === null) return error ? <p className="notice error">{error}</p> : <p className="loading">Loading…</p>;
  if (rows.length === 0) {
    return (
      <p className="notice">
        You have not uploaded anything yet. <a href="/upload">Upload media</a>
      </p>
    );
  }
  return (
    <>
      {error ? <p className="notice error" role="alert">{error}</p> : null}
      <table className="my-media">
        <caption className="visually-hidden">Your media and their state</caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Encoding</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.friendly_token} data-token={row.friendly_token} data-encoding={row.encoding_status}>
              <th scope="row">
                <a href={`/view?m=${row.friendly_token}`}>{row.title}</a>
              </th>
              <td>{row.media_type}</td>
              <td>{stateText(row)}</td>
              <td>
                {busy(row) ? (
                  <>
                    <progress max={100} value={row.progress ?? undefined} aria-label={`Encoding ${row.title}`} />{" "}
                    {row.progress !== null ? `${row.progress}%` : "waiting"}
                  </>
                ) : row.encoding_status === "success" ? (
                  "Done"
                ) : (
                  <span className="error">
                    Failed{row.reason ? <>: <span className="fail-reason">{row.reason}</span></> : null}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
