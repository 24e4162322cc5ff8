import { type MediaDetail, mediaDetailPath } from "../api";
import { Player } from "../components/Player";
import { useFetch } from "../components/useFetch";

export default function Embed({ props }: { props: { friendly_token: string } }) {
  const { data, error } = useFetch<MediaDetail>(mediaDetailPath(props.friendly_token));
  if (error) return <p className="notice error">This media is not available.</p>;
  if (!data) return null;
  return <Player media={{ ...data, friendly_token: props.friendly_token }} />;
}
