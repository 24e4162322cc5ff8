/** What the player should play for a media, from the detail API's fields. */

import type { MediaDetail } from "../api";

export type Source =
  | { kind: "hls"; url: string }
  | { kind: "mp4"; url: string }
  | { kind: "image"; url: string }
  | { kind: "document"; url: string }
  | { kind: "encoding"; progress: number | null }
  | { kind: "failed"; reason: string }
  | { kind: "none" };

/** The best finished MP4 rendition, highest first (the fallback where HLS cannot play). */
export function bestMp4(media: Pick<MediaDetail, "encodings_info">): string | null {
  const heights = Object.keys(media.encodings_info ?? {})
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(b) - Number(a));
  for (const height of heights) {
    const h264 = media.encodings_info[height]?.h264;
    if (h264?.status === "success" && h264.url) return h264.url;
  }
  return null;
}

/** Mean progress of the renditions being made, or null when none has started. */
export function encodingProgress(media: Pick<MediaDetail, "encodings_info">): number | null {
  const all = Object.entries(media.encodings_info ?? {})
    .filter(([key]) => /^\d+$/.test(key))
    .flatMap(([, codecs]) => Object.values(codecs));
  if (all.length === 0) return null;
  return Math.round(all.reduce((sum, e) => sum + (e.status === "success" ? 100 : e.progress), 0) / all.length);
}

export function chooseSource(media: MediaDetail): Source {
  if (media.media_type === "image") {
    const url = media.poster_url || media.original_media_url;
    return url ? { kind: "image", url } : { kind: "none" };
  }
  if (media.media_type === "pdf") {
    return media.original_media_url ? { kind: "document", url: media.original_media_url } : { kind: "none" };
  }
  // The lowest rendition is published first, so HLS may play while the rest still encodes.
  if (media.hls_info?.master_file) return { kind: "hls", url: media.hls_info.master_file };
  const mp4 = bestMp4(media);
  if (mp4) return { kind: "mp4", url: mp4 };
  if (media.encoding_status === "fail") {
    return { kind: "failed", reason: media.encoding_fail_reason || "" };
  }
  if (media.encoding_status === "pending" || media.encoding_status === "running") {
    return { kind: "encoding", progress: encodingProgress(media) };
  }
  return { kind: "none" };
}
