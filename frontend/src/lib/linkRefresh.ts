/** When the player should fetch the media's detail again for fresh file links.
 *
 * Files of media that anonymous visitors may not see are handed out as signed links that expire
 * (MEDIA_LINK_SECONDS, media_app/services/signing.py). nginx, and Django's media view where no
 * nginx stands in front, answer 410 for an expired link and 403 for a signature that no longer
 * holds (a new MEDIA_LINK_SECRET). A page kept open longer than a link lives meets one of them
 * on its next playlist or segment fetch; the detail API then hands out fresh links. */

import { ErrorDetails, ErrorTypes } from "hls.js";

/** How long after fresh links arrived a refusal means they fail too: then the player gives up
 * rather than asking again (a link lives hours; one refused within seconds will not get better). */
export const REFRESH_SPACING_MS = 30_000;

/** The HTTP answers of a refused link: 403 bad signature, 410 expired. */
export function linkRefused(status: number | null | undefined): boolean {
  return status === 403 || status === 410;
}

// Loads of files under a media's signed folder: master and variant playlists, the audio and
// subtitle playlists, fragments (the init segment is a fragment to hls.js) and keys.
const SIGNED_LOADS = new Set<string>([
  ErrorDetails.MANIFEST_LOAD_ERROR,
  ErrorDetails.LEVEL_LOAD_ERROR,
  ErrorDetails.AUDIO_TRACK_LOAD_ERROR,
  ErrorDetails.SUBTITLE_LOAD_ERROR,
  ErrorDetails.FRAG_LOAD_ERROR,
  ErrorDetails.KEY_LOAD_ERROR,
]);

/** The fields of an hls.js ERROR event this looks at. */
export type HlsErrorFields = { type: string; details: string; response?: { code?: number } | null };

/** Whether an hls.js error (fatal or not: hls.js does not retry a 4xx, it switches rendition
 * and fails there too) says a file link was refused, so fresh links may mend it. */
export function hlsLinkRefused(error: HlsErrorFields): boolean {
  return isSignedLoad(error) && linkRefused(error.response?.code);
}

/** Whether an hls.js load of a file link failed with no status it could read. In S3 mode the
 * bucket answers an expired presigned URL 403 without CORS headers (Ceph RGW, AWS S3: their
 * error answers carry none), which the page reads as no answer at all; the player then asks
 * :func:`linkStatus`-style whether the link was refused. */
export function hlsLinkUnread(error: HlsErrorFields): boolean {
  return isSignedLoad(error) && !error.response?.code;
}

function isSignedLoad(error: HlsErrorFields): boolean {
  return error.type === ErrorTypes.NETWORK_ERROR && SIGNED_LOADS.has(error.details);
}

const MEDIA_ERR_NETWORK = 2;
const MEDIA_ERR_SRC_NOT_SUPPORTED = 4;

/** Whether a ``<video src>`` error may hide a refused link. The element never tells the HTTP
 * status: a refusal mid-file reads as a network error, one on the first request as "source not
 * supported". The player then asks the server for the status before fetching fresh links. */
export function videoErrorMayBeLink(code: number | null | undefined): boolean {
  return code === MEDIA_ERR_NETWORK || code === MEDIA_ERR_SRC_NOT_SUPPORTED;
}

export type RefreshVerdict = "refresh" | "busy" | "give-up";

/** At most one refresh at a time, and none within REFRESH_SPACING_MS of the last one ending:
 * a refusal that soon means the fresh links fail too, and the player gives up (no loop). */
export class LinkRefresher {
  private ended: number | null = null;
  private fetching = false;

  constructor(private readonly spacingMs = REFRESH_SPACING_MS) {}

  /** A link was refused at ``now`` (ms): fetch fresh links ("refresh", then call ``settled``),
   * ignore it (they are being fetched: the same expiry met by another request), or stop. */
  refused(now: number): RefreshVerdict {
    if (this.fetching) return "busy";
    if (this.ended !== null && now - this.ended < this.spacingMs) return "give-up";
    this.fetching = true;
    return "refresh";
  }

  /** The refresh ended at ``now`` (ms): fresh links are in use, or none came. */
  settled(now: number): void {
    this.fetching = false;
    this.ended = now;
  }
}
