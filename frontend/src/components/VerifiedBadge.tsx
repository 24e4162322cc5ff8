import { BadgeCheck } from "lucide-react";
import { t } from "../lib/i18n";

export function VerifiedBadge({ outlet }: { outlet?: string }) {
  const label = outlet ? t("Verified journalist, {outlet}", { outlet }) : t("Verified journalist");
  return (
    <span className="badge-verified" title={label}>
      <BadgeCheck className="icon" aria-hidden="true" /> <span className="visually-hidden">{label}</span>
      <span aria-hidden="true">{t("Verified")}</span>
    </span>
  );
}
