// /verify: is a downloaded file an unaltered OpenPress publication, and which one?
// Backed by POST /api/v1/verify (media_app/api/provenance.py; docs/provenance.md, section 2).
import { type FormEvent, useState } from "react";
import { type Viewer, csrfToken, errorText } from "../api";
import { type Verdict, shortHash } from "../lib/provenance";
import { t } from "../lib/i18n";

export default function Verify(_: { props: unknown; viewer: Viewer }) {
  const [file, setFile] = useState<File | null>(null);
  const [manifest, setManifest] = useState<File | null>(null);
  const [url, setUrl] = useState("");
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    setVerdict(null);
    try {
      let body: FormData | string;
      const headers: Record<string, string> = { Accept: "application/json", "X-CSRFToken": csrfToken() };
      if (file) {
        body = new FormData();
        body.append("file", file);
        if (manifest) body.append("manifest", manifest);
      } else {
        body = JSON.stringify({ url });
        headers["Content-Type"] = "application/json";
      }
      const response = await fetch("/api/v1/verify", { method: "POST", body, headers, credentials: "same-origin" });
      const answer = await response.json().catch(() => null);
      if (!response.ok) {
        setError(errorText(answer, `${response.status} ${response.statusText}`));
      } else {
        setVerdict(answer as Verdict);
      }
    } catch {
      setError(t("The check could not be sent. Check your connection and try again."));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="verify-page">
      {/* The page's h1 ("Verify a file") is the template's (media_app/templates/media_app/page.html). */}
      <p>
        {t(
          "Check whether a file you downloaded from this site is exactly what was published, and which publication it is. The file's Content Credentials (C2PA) are validated and its SHA-256 compared with what was published.",
        )}
      </p>
      <form onSubmit={submit} className="verify-form">
        <label>
          {t("File")}
          <input type="file" name="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t("Its manifest (only for a stream rendition: init.mp4 and segments joined, with its manifest.c2pa)")}
          <input type="file" name="manifest" onChange={(e) => setManifest(e.target.files?.[0] ?? null)} />
        </label>
        <p>{t("or")}</p>
        <label>
          {t("Address of a file on this site")}
          <input
            type="url"
            name="url"
            value={url}
            disabled={file !== null}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://…/media/encoded/…"
          />
        </label>
        <button type="submit" disabled={busy || (!file && !url)}>
          {busy ? t("Checking…") : t("Verify")}
        </button>
      </form>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {verdict ? (
        <section className={`verify-verdict ${verdict.unaltered ? "cc-ok" : "cc-none"}`} role="status">
          <h2>{verdict.unaltered ? t("Unaltered OpenPress publication") : t("Not an unaltered publication")}</h2>
          <p>{verdict.message}</p>
          {verdict.media ? (
            <p>
              {verdict.unaltered ? "" : t("It claims to be") + " "}
              <a href={verdict.media.url}>{verdict.media.title}</a> {t("by")}{" "}
              <a href={verdict.media.author_profile}>{verdict.media.author}</a>
              {verdict.file ? ` (${verdict.file})` : ""}
            </p>
          ) : null}
          <dl>
            <dt>SHA-256</dt>
            <dd>
              <code title={verdict.sha256}>{shortHash(verdict.sha256)}</code>
            </dd>
            <dt>{t("Content Credentials")}</dt>
            <dd>
              {verdict.credentials.status}
              {verdict.credentials.signer?.subject ? `, ${t("signed by {signer}", { signer: verdict.credentials.signer.subject })}` : ""}
              {verdict.credentials.codes?.length ? ` (${verdict.credentials.codes.join(", ")})` : ""}
            </dd>
          </dl>
          {verdict.credentials.status === "none" ? <p>{t("This file carries no Content Credentials.")}</p> : null}
        </section>
      ) : null}
    </div>
  );
}
