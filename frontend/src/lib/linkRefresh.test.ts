import { ErrorDetails, ErrorTypes } from "hls.js";
import { describe, expect, it } from "vitest";
import {
  LinkRefresher,
  REFRESH_SPACING_MS,
  hlsLinkRefused,
  hlsLinkUnread,
  linkRefused,
  videoErrorMayBeLink,
} from "./linkRefresh";

// What hls.js puts in an ERROR event for a failed load: the HTTP answer in ``response.code``.
const loadError = (details: string, code?: number) => ({
  type: ErrorTypes.NETWORK_ERROR,
  details,
  fatal: false,
  response: code === undefined ? undefined : { url: "/media/s/x/1/encoded/u/a.m4s", data: undefined, code, text: "" },
});

describe("hlsLinkRefused", () => {
  it("reads 403 and 410 on playlists, fragments and the init segment as a refused link", () => {
    for (const details of [
      ErrorDetails.MANIFEST_LOAD_ERROR,
      ErrorDetails.LEVEL_LOAD_ERROR,
      ErrorDetails.AUDIO_TRACK_LOAD_ERROR,
      ErrorDetails.FRAG_LOAD_ERROR,
    ]) {
      expect(hlsLinkRefused(loadError(details, 410))).toBe(true);
      expect(hlsLinkRefused(loadError(details, 403))).toBe(true);
    }
  });

  it("leaves other answers to hls.js's own recovery", () => {
    expect(hlsLinkRefused(loadError(ErrorDetails.FRAG_LOAD_ERROR, 404))).toBe(false);
    expect(hlsLinkRefused(loadError(ErrorDetails.FRAG_LOAD_ERROR, 500))).toBe(false);
    expect(hlsLinkRefused(loadError(ErrorDetails.FRAG_LOAD_ERROR, 0))).toBe(false);
    expect(hlsLinkRefused(loadError(ErrorDetails.FRAG_LOAD_TIMEOUT))).toBe(false);
    expect(hlsLinkRefused(loadError(ErrorDetails.LEVEL_LOAD_TIMEOUT))).toBe(false);
  });

  it("ignores a 410 that is not about loading a file", () => {
    const media = (details: string) => ({ ...loadError(details, 410), type: ErrorTypes.MEDIA_ERROR });
    expect(hlsLinkRefused(media(ErrorDetails.BUFFER_APPEND_ERROR))).toBe(false);
    expect(hlsLinkRefused(media(ErrorDetails.FRAG_LOAD_ERROR))).toBe(false);
  });
});

describe("hlsLinkUnread", () => {
  it("spots a file load whose answer the page could not read (a bucket's 403 without CORS)", () => {
    expect(hlsLinkUnread(loadError(ErrorDetails.FRAG_LOAD_ERROR, 0))).toBe(true);
    expect(hlsLinkUnread(loadError(ErrorDetails.LEVEL_LOAD_ERROR))).toBe(true);
  });

  it("leaves answers it could read, timeouts and media errors alone", () => {
    expect(hlsLinkUnread(loadError(ErrorDetails.FRAG_LOAD_ERROR, 410))).toBe(false);
    expect(hlsLinkUnread(loadError(ErrorDetails.FRAG_LOAD_ERROR, 404))).toBe(false);
    expect(hlsLinkUnread(loadError(ErrorDetails.FRAG_LOAD_TIMEOUT))).toBe(false);
    const media = { ...loadError(ErrorDetails.BUFFER_APPEND_ERROR, 0), type: ErrorTypes.MEDIA_ERROR };
    expect(hlsLinkUnread(media)).toBe(false);
  });
});

describe("linkRefused and videoErrorMayBeLink", () => {
  it("knows the two refusals of a signed link", () => {
    expect([200, 206, 401, 403, 404, 410, 500].filter(linkRefused)).toEqual([403, 410]);
    expect(linkRefused(undefined)).toBe(false);
  });

  it("suspects a link only for network and source errors of the video element", () => {
    // MediaError codes: 1 aborted, 2 network, 3 decode, 4 source not supported.
    expect([1, 2, 3, 4].filter(videoErrorMayBeLink)).toEqual([2, 4]);
    expect(videoErrorMayBeLink(null)).toBe(false);
  });
});

describe("LinkRefresher", () => {
  it("refreshes on the first refusal and ignores the others while the links are fetched", () => {
    const links = new LinkRefresher();
    expect(links.refused(1_000)).toBe("refresh");
    expect(links.refused(1_010)).toBe("busy");
    expect(links.refused(60_000)).toBe("busy");
  });

  it("gives up when the fresh links are refused too, instead of asking again", () => {
    const links = new LinkRefresher();
    links.refused(1_000);
    links.settled(2_000);
    expect(links.refused(2_500)).toBe("give-up");
    expect(links.refused(2_000 + REFRESH_SPACING_MS - 1)).toBe("give-up");
  });

  it("refreshes again once the fresh links have outlived the spacing (they expire in turn)", () => {
    const links = new LinkRefresher();
    links.refused(1_000);
    links.settled(2_000);
    expect(links.refused(2_000 + REFRESH_SPACING_MS)).toBe("refresh");
    links.settled(2_000 + REFRESH_SPACING_MS + 500);
    expect(links.refused(2_000 + REFRESH_SPACING_MS + 600)).toBe("give-up");
  });

  it("counts a refresh that brought nothing like one whose links failed", () => {
    const links = new LinkRefresher(10_000);
    links.refused(0);
    links.settled(100); // the detail could not be fetched
    expect(links.refused(200)).toBe("give-up");
    expect(links.refused(10_100)).toBe("refresh");
  });
});
