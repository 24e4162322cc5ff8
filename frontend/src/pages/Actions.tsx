import { t } from "../lib/i18n";
import { MediaGrid } from "../components/MediaGrid";

const EMPTY: Record<string, () => string> = {
  watch: () => t("Media you watch will be listed here."),
  like: () => t("Media you like will be listed here."),
};

export default function Actions({ props }: { props: { action: string } }) {
  return <MediaGrid url={`/api/v1/user/action/${props.action}`} empty={EMPTY[props.action]?.() ?? t("Nothing here yet.")} />;
}
