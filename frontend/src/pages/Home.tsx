import { MediaGrid } from "../components/MediaGrid";

export default function Home() {
  return (
    <>
      <section aria-labelledby="featured-title">
        <h2 id="featured-title">Featured</h2>
        <MediaGrid url="/api/v1/media?show=featured" empty="Nothing is featured right now." />
      </section>
      <section aria-labelledby="latest-title">
        <h2 id="latest-title">Latest</h2>
        <MediaGrid url="/api/v1/media?show=latest" empty="No media has been published yet." />
      </section>
    </>
  );
}
