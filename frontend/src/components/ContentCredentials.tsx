// The watch page's Content Credentials panel (issue 15; docs/provenance.md, section 2): who
// published, when, from which original, what was done, the incoming credentials' validity and
// the SHA-256 of the original and of each published file and rendition.
import {
  type Provenance,
  actionText,
  incomingText,
  shortHash,
  signatureState,
} from "../lib/provenance";
import { t } from "../lib/i18n";

function Hash({ value }: { value?: string }) {
  if (!value) return <span>–</span>;
  return (
    <code className="hash" title={value}>
      {shortHash(value)}
    </code>
  );
}

export function ContentCredentials({ media }: { media: object }) {
  const p = (media as { provenance?: Provenance | null }).provenance;
  if (!p) return null;
  const state = signatureState(p);
  const incoming = p.incoming;
  return (
    <details className="content-credentials" data-testid="content-credentials">
      <summary>
        {t("Content Credentials:")} <span className={`cc-state cc-${state.tone}`}>{state.text}</span>
      </summary>
      <dl>
        {p.author?.name ? (
          <>
            <dt>{t("Published by")}</dt>
            <dd>
              <a href={p.author.url}>{p.author.name}</a>
              {p.author.outlet ? `, ${p.author.outlet}` : ""}
              {p.author.verified_at
                ? ` (${t("verified journalist since {date}", { date: new Date(p.author.verified_at).toLocaleDateString() })})`
                : ""}
            </dd>
          </>
        ) : null}
        {p.published_at ? (
          <>
            <dt>{t("Published")}</dt>
            <dd>
              <time dateTime={p.published_at}>{new Date(p.published_at).toLocaleString()}</time>
            </dd>
          </>
        ) : null}
        {p.signed && p.signer?.subject ? (
          <>
            <dt>{t("Signer")}</dt>
            <dd>
              {p.signer.subject}
              {p.signer.issuer ? `, ${t("certified by {issuer}", { issuer: p.signer.issuer })}` : ""}
            </dd>
          </>
        ) : null}
        {p.actions?.length ? (
          <>
            <dt>{t("What was done")}</dt>
            <dd>{p.actions.map(actionText).join(", ")}</dd>
          </>
        ) : null}
        <dt>{t("Original")}</dt>
        <dd>
          SHA-256 <Hash value={p.original?.sha256} />
        </dd>
        <dt>{t("Incoming credentials")}</dt>
        <dd className={`cc-incoming cc-incoming-${incoming?.status ?? "none"}`}>
          {incomingText(incoming?.status)}
          {incoming?.signer?.subject ? ` ${t("Signer: {subject}.", { subject: incoming.signer.subject })}` : ""}
          {incoming?.status === "invalid" && incoming.codes?.length ? ` (${incoming.codes.join(", ")})` : ""}
        </dd>
      </dl>
      {p.files?.length || p.renditions?.length ? (
        <table className="cc-files">
          <caption>{t("Published files")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("File")}</th>
              <th scope="col">SHA-256</th>
              <th scope="col">{t("Credentials")}</th>
            </tr>
          </thead>
          <tbody>
            {(p.files ?? []).map((f) => (
              <tr key={f.role}>
                <td>{f.role === "public" ? t("download") : f.role}</td>
                <td>
                  <Hash value={f.sha256} />
                </td>
                <td>{f.signed ? t("embedded") : t("none")}</td>
              </tr>
            ))}
            {(p.renditions ?? []).map((r) => (
              <tr key={r.rendition}>
                <td>{t("{rendition} (stream)", { rendition: r.rendition })}</td>
                <td>
                  <Hash value={r.sha256} />
                </td>
                <td>{r.manifest ? t("manifest.c2pa beside the playlist") : t("none")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="cc-verify">
        <a href="/verify">{t("Verify a downloaded file")}</a>
      </p>
    </details>
  );
}
