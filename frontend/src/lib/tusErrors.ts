/** What a failed tus request means to the person uploading. */

import { errorText } from "../api";
import { t } from "./i18n";

export type TusFailure = { status: number; body: string };

export type Verdict = { retry: boolean; message: string };

/** A refusal (the server said no: too big, not media, not allowed) is final and shown next to
 * the file; anything else (no answer, 5xx, 409/423 conflicts, 429) is worth trying again. */
export function judge(failure: TusFailure): Verdict {
  const { status, body } = failure;
  let parsed: unknown = body;
  try {
    parsed = body ? JSON.parse(body) : "";
  } catch {
    // plain text or an HTML error page
  }
  const detail = typeof parsed === "string" && parsed.startsWith("<") ? "" : errorText(parsed, "");
  if (status === 0) return { retry: true, message: t("Connection lost; retrying…") };
  if (status === 409 || status === 423 || status === 429) {
    return { retry: true, message: t("The server is busy; retrying…") };
  }
  if (status === 413) return { retry: false, message: detail || t("This file is too big.") };
  if (status === 401 || status === 403) {
    return { retry: false, message: detail || t("You are not allowed to upload; are you still logged in?") };
  }
  if (status >= 400 && status < 500) return { retry: false, message: detail || t("Refused ({status}).", { status }) };
  return { retry: true, message: t("The server had a problem ({status}); retrying…", { status }) };
}
