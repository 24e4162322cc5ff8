/** Corrections, retractions and the history chain of a media (issue 15; docs/provenance.md). */

import { t } from "./i18n";

export type CorrectionKind = "correction" | "clarification" | "update" | "retraction";

export type Correction = {
  id: number;
  kind: CorrectionKind;
  text: string;
  reason: string;
  hide_media: boolean;
  created_at: string;
  by: string | null;
  media: string;
  media_title: string;
  media_url: string;
};

export type HistoryEntry = {
  seq: number;
  kind: string;
  created_at: string;
  payload: string;
  prev_hash: string;
  entry_hash: string;
};

export type HistoryStamp = {
  day: string;
  digest: string;
  heads: Record<string, string>;
  token: string | null;
  tsa_url: string;
  created_at: string;
};

/** The kinds of notice, labelled in the page's language (t() at render time). */
export function correctionKinds(): { value: CorrectionKind; label: string }[] {
  return [
    { value: "correction", label: t("Correction") },
    { value: "clarification", label: t("Clarification") },
    { value: "update", label: t("Update") },
    { value: "retraction", label: t("Retraction") },
  ];
}

export function kindLabel(kind: string): string {
  return correctionKinds().find((k) => k.value === kind)?.label ?? kind;
}

/** The retraction that decides what the page shows: the newest one. */
export function latestRetraction(corrections: Correction[] | undefined): Correction | undefined {
  return (corrections ?? []).find((c) => c.kind === "retraction");
}

/** Whether the player is withheld for this viewer: retracted with the media hidden, and the
 * server gave no playable file (owners and editors still get theirs). */
export function mediaWithheld(media: {
  retracted?: boolean;
  corrections?: Correction[];
  hls_info?: { master_file?: string };
  encodings_info?: Record<string, unknown>;
}): boolean {
  const retraction = latestRetraction(media.corrections);
  if (!media.retracted || !retraction?.hide_media) return false;
  return !media.hls_info?.master_file && Object.keys(media.encodings_info ?? {}).length === 0;
}

/** One line saying what a history entry changed, from its canonical JSON payload. */
export function describeEntry(entry: HistoryEntry): string {
  let payload: { change?: Record<string, unknown>; by?: string | null };
  try {
    payload = JSON.parse(entry.payload);
  } catch {
    return t("unreadable entry");
  }
  const change = payload.change ?? {};
  const by = payload.by ? ` ${t("by {name}", { name: payload.by })}` : "";
  if (entry.kind === "published") {
    return t("Published as “{title}” ({state})", { title: String(change.title ?? ""), state: String(change.state ?? "") }) + by;
  }
  if (entry.kind === "files") return t("Files replaced (new encode)") + by;
  if (entry.kind === "edited") {
    const parts = Object.entries(change)
      .filter(([, value]) => value && typeof value === "object" && "to" in (value as object))
      .map(([field, value]) => {
        const { from, to } = value as { from?: unknown; to?: unknown };
        if (field === "description") return t("description changed");
        return from === undefined ? `${field} → ${String(to)}` : `${field}: ${String(from)} → ${String(to)}`;
      });
    if ("hidden_by_reports" in change) parts.push(t("hidden after readers' reports"));
    return `${parts.join("; ") || t("edited")}${by}`;
  }
  return `${kindLabel(entry.kind)}: ${String(change.text ?? "")}${by}`;
}
