/** The subtitle tracks of a media, from the detail answer's ``subtitles_info`` (MediaCMS's shape). */

import type { MediaDetail } from "../../api";

export type Track = { src: string; srclang: string; label: string };

export function tracksOf(media: Pick<MediaDetail, "subtitles_info">): Track[] {
  return (media.subtitles_info ?? []).filter((track) => track && typeof track.src === "string" && track.src);
}
