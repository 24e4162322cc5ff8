import { type FormEvent, useState } from "react";
import { ApiError, type Page, api } from "../api";
import { useFetch } from "../components/useFetch";
import { t } from "../lib/i18n";

type Request = {
  id: number;
  outlet: string;
  role: string;
  evidence_links: string[];
  status: string;
  created_at: string;
  decision_note: string;
};

export default function Verification({ props }: { props: { is_verified_journalist: boolean } }) {
  const mine = useFetch<Page<Request>>("/api/v1/verification/requests");
  const [outlet, setOutlet] = useState("");
  const [role, setRole] = useState("");
  const [links, setLinks] = useState("");
  const [statement, setStatement] = useState("");
  const [error, setError] = useState("");
  const [sent, setSent] = useState(false);
  const pending = mine.data?.results.some((r) => r.status === "pending");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const evidence_links = links
      .split(/\s+/)
      .map((l) => l.trim())
      .filter(Boolean);
    try {
      await api("/api/v1/verification/requests", {
        method: "POST",
        body: { outlet, role, evidence_links, statement },
      });
      setSent(true);
      setError("");
      mine.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("Your request could not be sent."));
    }
  };

  return (
    <>
      {props.is_verified_journalist ? (
        <p className="notice">{t("You are a verified journalist: your uploads are published without review.")}</p>
      ) : null}
      {mine.data?.results.length ? (
        <section aria-labelledby="requests-title">
          <h2 id="requests-title">{t("Your requests")}</h2>
          <ul>
            {mine.data.results.map((r) => (
              <li key={r.id} data-status={r.status}>
                {t("{role} at {outlet}:", { role: r.role, outlet: r.outlet })} <strong>{r.status}</strong>
                {r.decision_note ? ` (${r.decision_note})` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {sent ? (
        <p className="notice" role="status">
          {t("Thank you. An editor will look at your request.")}
        </p>
      ) : null}
      {!props.is_verified_journalist && !pending ? (
        <form className="form-narrow" onSubmit={submit}>
          <p>{t("Tell the editors who you work for and where your work is published.")}</p>
          <div className="field">
            <label htmlFor="v-outlet">{t("Outlet (or “independent”)")}</label>
            <input id="v-outlet" value={outlet} onChange={(e) => setOutlet(e.target.value)} required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor="v-role">{t("Your role")}</label>
            <input id="v-role" value={role} onChange={(e) => setRole(e.target.value)} required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor="v-links">{t("Links to your published work, one per line")}</label>
            <textarea id="v-links" value={links} onChange={(e) => setLinks(e.target.value)} rows={4} required />
          </div>
          <div className="field">
            <label htmlFor="v-statement">{t("Anything else the editors should know (optional)")}</label>
            <textarea id="v-statement" value={statement} onChange={(e) => setStatement(e.target.value)} rows={4} />
          </div>
          {error ? (
            <p className="field-errors" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit">{t("Ask to be verified")}</button>
        </form>
      ) : null}
    </>
  );
}
