import { useState } from "react";
import { ApiError, type Page, api } from "../api";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";

type VerificationRequest = {
  id: number;
  user: string;
  outlet: string;
  role: string;
  evidence_links: string[];
  statement: string;
  created_at: string;
};
type QueueItem = {
  friendly_token: string;
  title: string;
  user: string;
  add_date: string;
  media_type: string;
  requested_state: string;
  encoding_status: string;
  reported_times: number;
};

function useDecision(reload: () => void) {
  const [message, setMessage] = useState("");
  const decide = async (url: string, body: Record<string, string>, done: string, method = "POST") => {
    try {
      await api(url, { method, body });
      setMessage(done);
      reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.detail : t("That did not reach the server; try again."));
    }
  };
  return { message, decide };
}

function Verifications() {
  const { data, error, reload } = useFetch<Page<VerificationRequest>>("/api/v1/verification/requests?status=pending");
  const { message, decide } = useDecision(reload);
  return (
    <section aria-labelledby="ed-verifications">
      <h2 id="ed-verifications">{t("Verification requests")}</h2>
      <p role="status">{message}</p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && data.results.length === 0 ? <p className="notice">{t("No request is waiting.")}</p> : null}
      <ul className="cards">
        {data?.results.map((r) => (
          <li key={r.id} className="card" data-request={r.id}>
            <p>
              <a href={`/user/${encodeURIComponent(r.user)}`}>{r.user}</a>: {t("{role} at {outlet}", { role: r.role, outlet: r.outlet })}
            </p>
            <ul>
              {r.evidence_links.map((link) => (
                <li key={link}>
                  <a href={link} rel="noopener noreferrer nofollow" target="_blank">
                    {link}
                  </a>
                </li>
              ))}
            </ul>
            {r.statement ? <p>{r.statement}</p> : null}
            <button
              type="button"
              onClick={() => decide(`/api/v1/verification/requests/${r.id}/approve`, {}, t("{user} is now verified.", { user: r.user }))}
            >
              {t("Approve")} <span className="visually-hidden">{r.user}</span>
            </button>{" "}
            <button
              type="button"
              onClick={() => decide(`/api/v1/verification/requests/${r.id}/reject`, {}, t("{user}'s request was rejected.", { user: r.user }))}
            >
              {t("Reject")} <span className="visually-hidden">{r.user}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Queue() {
  const { data, error, reload } = useFetch<Page<QueueItem>>("/api/v1/review/queue");
  const { message, decide } = useDecision(reload);
  const items = data?.results ?? [];
  return (
    <section aria-labelledby="ed-queue">
      <h2 id="ed-queue">{t("Review queue")}</h2>
      <p role="status">{message}</p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && items.length === 0 ? <p className="notice">{t("Nothing is waiting.")}</p> : null}
      <ul className="cards">
        {items.map((m) => (
          <li key={m.friendly_token} className="card" data-token={m.friendly_token}>
            <p>
              <a href={`/view?m=${m.friendly_token}`}>{m.title}</a> {t("by")} {m.user} · {m.media_type} ·{" "}
              {t("encoding {status}", { status: m.encoding_status })} ·{" "}
              {t("wants {state}", { state: m.requested_state })}
              {m.reported_times ? ` · ${t("reported {n}×", { n: m.reported_times })}` : ""}
            </p>
            <button
              type="button"
              onClick={() => decide(`/api/v1/review/${m.friendly_token}`, { result: "approve" }, t("“{title}” approved.", { title: m.title }))}
            >
              {t("Approve")} <span className="visually-hidden">{m.title}</span>
            </button>{" "}
            <button
              type="button"
              onClick={() => decide(`/api/v1/review/${m.friendly_token}`, { result: "reject" }, t("“{title}” rejected.", { title: m.title }))}
            >
              {t("Reject")} <span className="visually-hidden">{m.title}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Reported = {
  friendly_token: string;
  title: string;
  user: string;
  state: string;
  is_reviewed: boolean;
  reported_times: number;
};
type Report = { reported_date: string; reason: string };

function Reasons({ token }: { token: string }) {
  const { data, error } = useFetch<{ reported: Report[] }>(`/api/v1/media/${token}/actions`);
  if (error) return <p className="notice error">{error.detail}</p>;
  if (!data) return <p className="loading">{t("Loading…")}</p>;
  return (
    <ul className="report-reasons">
      {data.reported.map((r) => (
        <li key={r.reported_date}>
          <time dateTime={r.reported_date}>{new Date(r.reported_date).toLocaleString()}</time>: {r.reason || t("(no reason given)")}
        </li>
      ))}
    </ul>
  );
}

/** Media people reported, still public ones too: below the hiding threshold a report leaves
 * the media up, and an editor decides whether it stays. */
function Reports() {
  const { data, error, reload } = useFetch<Page<Reported>>("/api/v1/manage_media?reported=1");
  const { message, decide } = useDecision(reload);
  const [open, setOpen] = useState<string | null>(null);
  const items = data?.results ?? [];
  return (
    <section aria-labelledby="ed-reports">
      <h2 id="ed-reports">{t("Reported media")}</h2>
      <p role="status">{message}</p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && items.length === 0 ? <p className="notice">{t("No media is reported.")}</p> : null}
      <ul className="cards">
        {items.map((m) => (
          <li key={m.friendly_token} className="card" data-token={m.friendly_token}>
            <p>
              <a href={`/view?m=${m.friendly_token}`}>{m.title}</a> {t("by")} {m.user} · {m.state}
              {m.is_reviewed ? "" : ` ${t("(hidden until reviewed)")}`} · {t("reported {n}×", { n: m.reported_times })}
            </p>
            <button
              type="button"
              className="link-button"
              aria-expanded={open === m.friendly_token}
              onClick={() => setOpen(open === m.friendly_token ? null : m.friendly_token)}
            >
              {t("Read the reports")} <span className="visually-hidden">{t("on {title}", { title: m.title })}</span>
            </button>
            {open === m.friendly_token ? <Reasons token={m.friendly_token} /> : null}
            <div className="upload-buttons">
              <button
                type="button"
                onClick={() =>
                  decide(`/api/v1/review/${m.friendly_token}`, { result: "reject" }, t("“{title}” is now private.", { title: m.title }))
                }
              >
                {t("Take down")} <span className="visually-hidden">{m.title}</span>
              </button>
              <button
                type="button"
                onClick={() =>
                  decide(
                    `/api/v1/media/${m.friendly_token}/actions`,
                    { type: "report" },
                    t("The reports on “{title}” were dismissed.", { title: m.title }),
                    "DELETE",
                  )
                }
              >
                {t("Dismiss the reports")} <span className="visually-hidden">{t("on {title}", { title: m.title })}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Editor() {
  return (
    <div className="editor">
      <Verifications />
      <Queue />
      <Reports />
    </div>
  );
}
