import { useState } from "react";
import { ApiError, type Page, api } from "../api";
import { useFetch } from "../components/useFetch";

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
  const decide = async (url: string, body: Record<string, string>, done: string) => {
    try {
      await api(url, { method: "POST", body });
      setMessage(done);
      reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.detail : "That did not reach the server; try again.");
    }
  };
  return { message, decide };
}

function Verifications() {
  const { data, error, reload } = useFetch<Page<VerificationRequest>>("/api/v1/verification/requests?status=pending");
  const { message, decide } = useDecision(reload);
  return (
    <section aria-labelledby="ed-verifications">
      <h2 id="ed-verifications">Verification requests</h2>
      <p role="status">{message}</p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && data.results.length === 0 ? <p className="notice">No request is waiting.</p> : null}
      <ul className="cards">
        {data?.results.map((r) => (
          <li key={r.id} className="card" data-request={r.id}>
            <p>
              <a href={`/user/${encodeURIComponent(r.user)}`}>{r.user}</a>: {r.role} at {r.outlet}
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
              onClick={() => decide(`/api/v1/verification/requests/${r.id}/approve`, {}, `${r.user} is now verified.`)}
            >
              Approve <span className="visually-hidden">{r.user}</span>
            </button>{" "}
            <button
              type="button"
              onClick={() => decide(`/api/v1/verification/requests/${r.id}/reject`, {}, `${r.user}'s request was rejected.`)}
            >
              Reject <span className="visually-hidden">{r.user}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Queue({ reported }: { reported: boolean }) {
  const { data, error, reload } = useFetch<Page<QueueItem>>("/api/v1/review/queue");
  const { message, decide } = useDecision(reload);
  const items = data?.results.filter((m) => (m.reported_times > 0) === reported) ?? [];
  const title = reported ? "Reported media" : "Review queue";
  const id = reported ? "ed-reports" : "ed-queue";
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p role="status">{message}</p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && items.length === 0 ? <p className="notice">Nothing is waiting.</p> : null}
      <ul className="cards">
        {items.map((m) => (
          <li key={m.friendly_token} className="card" data-token={m.friendly_token}>
            <p>
              <a href={`/view?m=${m.friendly_token}`}>{m.title}</a> by {m.user} · {m.media_type} · encoding{" "}
              {m.encoding_status} · wants {m.requested_state}
              {m.reported_times ? ` · reported ${m.reported_times}×` : ""}
            </p>
            <button
              type="button"
              onClick={() => decide(`/api/v1/review/${m.friendly_token}`, { result: "approve" }, `“${m.title}” approved.`)}
            >
              Approve <span className="visually-hidden">{m.title}</span>
            </button>{" "}
            <button
              type="button"
              onClick={() => decide(`/api/v1/review/${m.friendly_token}`, { result: "reject" }, `“${m.title}” rejected.`)}
            >
              Reject <span className="visually-hidden">{m.title}</span>
            </button>
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
      <Queue reported={false} />
      <Queue reported={true} />
    </div>
  );
}
