/** The player's core: attaches the media to the <video> (hls.js, the browser's own HLS, or an
 * MP4), lists the renditions for the quality menu, mends refused signed links
 * (lib/linkRefresh.ts) and network failures (lib/networkRetry.ts), and starts at a given time
 * (the viewer's resume position or the page's ``t``). No controls here: see PlayerControls. */

import Hls from "hls.js";
import { type RefObject, useEffect, useRef, useState } from "react";
import { type MediaDetail, api, mediaDetailPath } from "../../api";
import { t } from "../../lib/i18n";
import { LinkRefresher, hlsLinkRefused, hlsLinkUnread, linkRefused, videoErrorMayBeLink } from "../../lib/linkRefresh";
import { networkRetryDelay } from "../../lib/networkRetry";
import { AUTO, type Level, sameLevel } from "../../lib/quality";
import { type Source, bestMp4, chooseSource } from "../../lib/sources";

export type Engine = "hls.js" | "native" | "mp4" | "";

/** Where playback stood, carried over when the player swaps to fresh links. */
type Resume = { time: number; playing: boolean; rate: number };

function resumeFrom(el: HTMLVideoElement): Resume {
  // A player that ran dry waiting for a refused segment is still playing, not paused.
  return { time: el.currentTime, playing: !el.paused && !el.ended, rate: el.playbackRate };
}

/** Loading a new source resets the position, the speed and pauses: put them back. */
function resume(el: HTMLVideoElement, at: Resume, seek: boolean) {
  if (seek) el.currentTime = at.time;
  el.playbackRate = at.rate;
  if (at.playing) void el.play().catch(() => undefined); // a browser may refuse: the viewer plays
}

/** The HTTP status a file's link gets now (the video element never tells); 0 when unreachable.
 * A bucket (S3 mode) answers an expired presigned URL 403 without CORS headers, which reads as
 * a failed fetch: when the bucket answers a no-cors request for it (an opaque answer, no status
 * to read), that is taken as its 403. (Its good answers carry the site's CORS rule.) */
async function linkStatus(url: string): Promise<number> {
  try {
    const response = await fetch(url, {
      headers: { Range: "bytes=0-0" },
      credentials: "same-origin",
      cache: "no-store",
    });
    void response.body?.cancel();
    return response.status;
  } catch {
    if (new URL(url, window.location.href).origin === window.location.origin) return 0;
  }
  const stop = new AbortController();
  try {
    await fetch(url, { mode: "no-cors", credentials: "omit", cache: "no-store", signal: stop.signal });
    return 403;
  } catch {
    return 0;
  } finally {
    stop.abort(); // the headers are enough: never read a whole file
  }
}

export type CoreOptions = {
  /** Seconds to start at (resume position or the page's ``t``), or null for the start. */
  startAt: number | null;
  /** Start playing at once, muted (browsers allow that without a gesture). */
  autoplayMuted?: boolean;
};

export type Core = {
  source: Source;
  /** The detail in use: the page's, or the one fetched again for fresh signed links. */
  shown: MediaDetail;
  engine: Engine;
  levels: Level[];
  chosen: number;
  playing: number;
  problem: string;
  chooseLevel: (value: number) => void;
};

export function usePlayerCore(media: MediaDetail, video: RefObject<HTMLVideoElement>, options: CoreOptions): Core {
  const source = chooseSource(media);
  // The detail fetched again when the page's signed links were refused (lib/linkRefresh.ts):
  // its links replace the page's for the video, the poster, the tracks and the scrub preview.
  const [fresh, setFresh] = useState<MediaDetail | null>(null);
  const shown = fresh ?? media;
  const latest = useRef(shown);
  latest.current = shown;
  const start = useRef(options);
  start.current = options;
  const hls = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [chosen, setChosen] = useState(AUTO);
  // The rendition the viewer picked, kept apart from hls.js, which drops a manual choice when a
  // load fails on it (as a refused link does) and whose indexes change with a new master.
  const wanted = useRef<Level | null>(null);
  const [playing, setPlaying] = useState(-1);
  const [engine, setEngine] = useState<Engine>("");
  const [problem, setProblem] = useState("");

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    setProblem("");
    setFresh(null);
    latest.current = media;
    if (source.kind !== "hls" && source.kind !== "mp4") return;
    const unplayable = t("This media cannot be played right now. Try again later.");
    let live = true;
    let player: Hls | null = null;
    // What the element plays by itself (no hls.js): its errors are checked for refused links.
    let direct: "mp4" | "native" | null = null;
    const links = new LinkRefresher();
    const { startAt, autoplayMuted } = start.current;
    const first: Resume | null = startAt !== null ? { time: startAt, playing: false, rate: 1 } : null;
    if (autoplayMuted) {
      el.muted = true;
      el.autoplay = true;
    }

    const stopHls = () => {
      player?.destroy();
      player = null;
      hls.current = null;
    };

    const playDirect = (kind: "mp4" | "native", url: string, at: Resume | null) => {
      direct = kind;
      el.src = url;
      setEngine(kind);
      if (!at) return;
      const restore = () => live && direct === kind && resume(el, at, true);
      el.addEventListener("loadedmetadata", restore, { once: true });
    };

    const fallBackToMp4 = (why: string) => {
      stopHls();
      setLevels([]);
      const mp4 = bestMp4(latest.current);
      if (mp4) {
        playDirect("mp4", mp4, null);
      } else {
        direct = null;
        setProblem(why);
      }
    };

    /** A link was refused: fetch the detail again and hand the fresh links to ``swap``, at most
     * once per refusal wave; ``giveUp`` when none come or the fresh ones are refused too. */
    const refresh = (swap: (detail: MediaDetail) => void, giveUp: () => void) => {
      const verdict = links.refused(performance.now());
      if (verdict === "busy") return;
      if (verdict === "give-up") {
        giveUp();
        return;
      }
      void api<MediaDetail>(mediaDetailPath(media.friendly_token), { cache: "no-store" })
        .then(
          (body): MediaDetail | null => ({ ...body, friendly_token: media.friendly_token }),
          () => null,
        )
        .then((detail) => {
          links.settled(performance.now());
          if (!live) return;
          if (!detail) {
            giveUp();
            return;
          }
          latest.current = detail;
          setFresh(detail);
          swap(detail);
        });
    };

    /** ``at``: where to carry on after fresh links (the chosen rendition ``keep`` too);
     * ``from``: where the first load starts (the resume position). */
    const startHls = (url: string, at: Resume | null, keep: Level | null, from: number | null) => {
      const position = at ? at.time : (from ?? -1);
      const next = new Hls({ capLevelToPlayerSize: true, startPosition: position });
      player = next;
      hls.current = next;
      next.on(Hls.Events.MANIFEST_PARSED, () => {
        const found = next.levels.map((l) => ({ height: l.height, bitrate: l.bitrate }));
        setLevels(found);
        if (!at) return;
        // Before loading starts, so the chosen rendition is also the one it starts with.
        const level = sameLevel(found, keep);
        if (level !== AUTO) next.loadLevel = level;
        else wanted.current = null;
        setChosen(level);
        resume(el, at, false); // hls.js itself starts at startPosition
      });
      next.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => setPlaying(data.level));
      let mediaRecoveries = 0;
      let networkRetries = 0;
      next.on(Hls.Events.FRAG_LOADED, () => (networkRetries = 0)); // loading works again
      const onRefused = () => {
        // Its other requests would be refused too; what is buffered plays on meanwhile.
        next.stopLoad();
        refresh(
          (detail) => {
            if (player !== next) return; // it fell back to the MP4 meanwhile
            const renewed = chooseSource(detail);
            if (renewed.kind !== "hls") {
              fallBackToMp4(unplayable);
              return;
            }
            const resumeAt = resumeFrom(el);
            stopHls();
            startHls(renewed.url, resumeAt, wanted.current, null);
          },
          () => fallBackToMp4(unplayable),
        );
      };
      let checking = false; // a link whose answer could not be read is being checked
      next.on(Hls.Events.ERROR, (_event, data) => {
        if (hlsLinkRefused(data)) {
          onRefused();
          return;
        }
        const url = data.frag?.url ?? data.context?.url ?? data.url;
        if (hlsLinkUnread(data) && url && !checking) {
          checking = true;
          void linkStatus(url).then((status) => {
            checking = false;
            if (live && player === next && linkRefused(status)) onRefused();
          });
        }
        if (!data.fatal) return;
        const retryIn =
          data.type === Hls.ErrorTypes.NETWORK_ERROR && data.details !== Hls.ErrorDetails.MANIFEST_LOAD_ERROR
            ? networkRetryDelay(networkRetries + 1)
            : null;
        if (retryIn !== null) {
          networkRetries += 1;
          window.setTimeout(() => {
            if (player === next) next.startLoad(); // unless it was replaced or stopped meanwhile
          }, retryIn);
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
          mediaRecoveries += 1;
          next.recoverMediaError();
        } else {
          fallBackToMp4(unplayable);
        }
      });
      next.loadSource(url);
      next.attachMedia(el);
      setEngine("hls.js");
    };

    // Whether the viewer had it playing when an error came (a "pause" event may follow it).
    let meantToPlay = !el.paused;
    const onPlayEvent = () => (meantToPlay = true);
    const onPauseEvent = () => (meantToPlay = false);
    const onVideoError = () => {
      const kind = direct;
      if (!kind || !videoErrorMayBeLink(el.error?.code)) return;
      const at = { ...resumeFrom(el), playing: meantToPlay && !el.ended };
      void linkStatus(el.currentSrc || el.src).then((status) => {
        if (!live || direct !== kind || !linkRefused(status)) return;
        refresh(
          (detail) => {
            const renewed = chooseSource(detail);
            const url = kind === "mp4" ? bestMp4(detail) : renewed.kind === "hls" ? renewed.url : null;
            if (url) playDirect(kind, url, at);
            else if (kind === "native") fallBackToMp4(unplayable);
            else setProblem(unplayable);
          },
          () => (kind === "native" ? fallBackToMp4(unplayable) : setProblem(unplayable)),
        );
      });
    };
    el.addEventListener("play", onPlayEvent);
    el.addEventListener("pause", onPauseEvent);
    el.addEventListener("error", onVideoError);

    if (source.kind === "mp4") {
      playDirect("mp4", source.url, first);
    } else if (Hls.isSupported()) {
      startHls(source.url, null, null, startAt);
    } else if (el.canPlayType("application/vnd.apple.mpegurl")) {
      playDirect("native", source.url, first); // Safari plays HLS itself (and picks the quality itself)
    } else {
      fallBackToMp4(t("Your browser cannot play this media."));
    }
    return () => {
      live = false;
      el.removeEventListener("play", onPlayEvent);
      el.removeEventListener("pause", onPauseEvent);
      el.removeEventListener("error", onVideoError);
      stopHls();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source.kind, "url" in source ? source.url : ""]);

  const chooseLevel = (value: number) => {
    setChosen(value);
    wanted.current = levels[value] ?? null;
    if (hls.current) hls.current.currentLevel = value;
  };

  return { source, shown, engine, levels, chosen, playing, problem, chooseLevel };
}
