// Content Credentials (C2PA) of a published media, as the API detail gives them under
// `provenance` (media_app/services/provenance.py provenance_public; docs/provenance.md).

import { t } from "./i18n";

export type IncomingStatus = "none" | "valid" | "untrusted-valid" | "invalid";

export type Provenance = {
  signed: boolean;
  reason?: string;
  development?: boolean;
  trusted?: boolean;
  signer?: { subject?: string; organization?: string; issuer?: string };
  claim_generator?: string;
  actions?: string[];
  published_at?: string | null;
  author?: { name?: string; url?: string; verified?: boolean; verified_at?: string; outlet?: string };
  incoming?: {
    status: IncomingStatus;
    codes?: string[];
    signer?: { subject?: string; issuer?: string };
    claim_generator?: string[];
    kept_as_ingredient?: boolean;
  };
  original?: { sha256?: string };
  files?: { role: string; signed?: boolean; format?: string; sha256?: string; size?: number }[];
  renditions?: { rendition: string; sha256?: string; size?: number; segments?: number; manifest?: string }[];
};

export type Verdict = {
  unaltered: boolean;
  message: string;
  sha256: string;
  match: "sha256" | "manifest" | null;
  file?: string | null;
  media?: { friendly_token: string; title: string; url: string; author: string; author_profile: string } | null;
  credentials: { status: IncomingStatus; codes?: string[]; signer?: { subject?: string; issuer?: string } };
};

/** One line saying whether and how the media is signed. */
export function signatureState(p: Provenance | undefined | null): { tone: "ok" | "warn" | "none"; text: string } {
  if (!p || !p.signed) {
    const reason = p?.reason && p.reason !== "not processed yet" ? p.reason : "";
    return {
      tone: "none",
      text: reason
        ? t("Not signed: no Content Credentials ({reason}).", { reason })
        : t("Not signed: no Content Credentials."),
    };
  }
  if (p.development) {
    return { tone: "warn", text: t("Signed with a development certificate: untrusted, for testing only.") };
  }
  const who = p.signer?.organization || p.signer?.subject || "";
  if (!p.trusted) {
    return {
      tone: "warn",
      text: who
        ? t("Signed by {who}, with a certificate not on the trust list.", { who })
        : t("Signed by this site, with a certificate not on the trust list."),
    };
  }
  return { tone: "ok", text: who ? t("Signed by {who}.", { who }) : t("Signed by this site.") };
}

export function incomingText(status: IncomingStatus | undefined): string {
  switch (status) {
    case "valid":
      return t("The original's own Content Credentials were valid and are kept as its ingredient.");
    case "untrusted-valid":
      return t("The original's own Content Credentials were intact, from a signer not on the trust list.");
    case "invalid":
      return t("The original's own Content Credentials were invalid (altered or damaged).");
    default:
      return t("The original carried no Content Credentials.");
  }
}

export function actionText(action: string): string {
  const actions: Record<string, string> = {
    "c2pa.opened": t("opened the original"),
    "c2pa.created": t("created"),
    "c2pa.transcoded": t("re-encoded"),
    "c2pa.edited.metadata": t("removed identifying metadata"),
    "c2pa.edited": t("edited"),
    "c2pa.published": t("published"),
  };
  return actions[action] ?? action.replace(/^c2pa\./, "");
}

export function shortHash(hash: string | undefined): string {
  return hash ? `${hash.slice(0, 12)}…${hash.slice(-6)}` : "–";
}
