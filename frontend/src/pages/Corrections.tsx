import { useState } from "react";
import type { Page } from "../api";
import { CorrectionItem } from "../components/Corrections";
import { useFetch } from "../components/useFetch";
import type { Correction, HistoryStamp } from "../lib/corrections";
import { t } from "../lib/i18n";

function CorrectionsList() {
  const [url, setUrl] = useState("/api/v1/corrections");
  const { data, error, loading } = useFetch<Page<Correction>>(url);
  if (error) return <p className="notice error">{error.detail}</p>;
  if (!data) return <p className="loading">{t("Loading…")}</p>;
  return (
    <>
      {data.results.length === 0 ? <p>{t("No correction has been published.")}</p> : null}
      <ul className="correction-list">
        {data.results.map((item) => (
          <CorrectionItem key={item.id} item={item} showMedia />
        ))}
      </ul>
      <nav className="pager" aria-label={t("Pages of corrections")}>
        {data.previous ? (
          <button type="button" disabled={loading} onClick={() => setUrl(data.previous as string)}>
            {t("Newer")}
          </button>
        ) : null}
        {data.next ? (
          <button type="button" disabled={loading} onClick={() => setUrl(data.next as string)}>
            {t("Older")}
          </button>
        ) : null}
      </nav>
    </>
  );
}

function Stamps() {
  const { data, error } = useFetch<Page<HistoryStamp>>("/api/v1/history/stamps");
  return (
    <section id="stamps" aria-labelledby="stamps-title" className="stamps">
      <h2 id="stamps-title">{t("Daily stamps of the history")}</h2>
      <p>
        {t(
          "Each media's changes form a hash chain (its page shows it). Every day the heads of all chains are combined into one digest, time-stamped by an independent authority when one is configured, so no entry can be rewritten later without it showing. How to check them:",
        )}{" "}
        <a href="/api/v1/history/stamps">{t("the stamps as JSON")}</a>
        {t(", and the documentation's section on corrections and history.")}
      </p>
      {error ? <p className="notice error">{error.detail}</p> : null}
      {data && data.results.length === 0 ? <p>{t("No stamp yet.")}</p> : null}
      {data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("Day")}</th>
              <th scope="col">{t("Chains")}</th>
              <th scope="col">{t("Digest (SHA-256)")}</th>
              <th scope="col">{t("Time-stamp token")}</th>
            </tr>
          </thead>
          <tbody>
            {data.results.map((stamp) => (
              <tr key={stamp.day}>
                <td>{stamp.day}</td>
                <td>{Object.keys(stamp.heads).length}</td>
                <td>
                  <code>{stamp.digest}</code>
                </td>
                <td>
                  {stamp.token ? (
                    <a download={`openpress-history-${stamp.day}.tsr`} href={`data:application/timestamp-reply;base64,${stamp.token}`}>
                      {stamp.day}.tsr
                    </a>
                  ) : (
                    t("none yet")
                  )}
                  {stamp.tsa_url ? ` (${stamp.tsa_url})` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export default function Corrections() {
  return (
    <div className="corrections-page">
      <p>
        {t("Corrections, clarifications, updates and retractions of everything published here, newest first. Also as an")}{" "}
        <a href="/corrections/feed">{t("Atom feed")}</a>.
      </p>
      <CorrectionsList />
      <Stamps />
    </div>
  );
}
