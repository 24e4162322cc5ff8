import { t } from "../lib/i18n";
import { MediaGrid } from "../components/MediaGrid";

export default function Home() {
  return (
    <>
      <section aria-labelledby="featured-title">
        <h2 id="featured-title">{t("Featured")}</h2>
        <MediaGrid url="/api/v1/media?show=featured" empty={t("Nothing is featured right now.")} />
      </section>
      <section aria-labelledby="latest-title">
        <h2 id="latest-title">{t("Latest")}</h2>
        <MediaGrid url="/api/v1/media?show=latest" empty={t("No media has been published yet.")} />
      </section>
    </>
  );
}
