import Hls from "hls.js";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { type MediaDetail, api, mediaDetailPath } from "../api";
import { LinkRefresher, hlsLinkRefused, hlsLinkUnread, linkRefused, videoErrorMayBeLink } from "../lib/linkRefresh";
import { networkRetryDelay } from "../lib/networkRetry";
import { AUTO, type Level, levelLabel, sameLevel } from "../lib/quality";
import { bestMp4, chooseSource } from "../lib/sources";
import { QualityMenu } from "./QualityMenu";
import { ScrubBar } from "./ScrubBar";

const SHORTCUTS: [string, string][] = [
  ["Space or K", "play / pause"],
  ["← / →", "back / forward 5 seconds"],
  ["J / L", "back / forward 10 seconds"],
  ["↑ / ↓", "volume"],
  ["M", "mute"],
  ["C", "captions on / off"],
  ["F", "full screen"],
];

const UNPLAYABLE = "This media cannot be played right now. Try again later.";

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

type Props = { media: MediaDetail; onPlay?: () => void };

export function Player({ media, onPlay }: Props) {
  const source = chooseSource(media);
  // The detail fetched again when the page's signed links were refused (lib/linkRefresh.ts):
  // its links replace the page's for the video, the poster and the scrub preview.
  const [fresh, setFresh] = useState<MediaDetail | null>(null);
  const shown = fresh ?? media;
  const latest = useRef(shown);
  latest.current = shown;
  const wrapper = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const hls = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [chosen, setChosen] = useState(AUTO);
  // The rendition the viewer picked, kept apart from hls.js, which drops a manual choice when a
  // load fails on it (as a refused link does) and whose indexes change with a new master.
  const wanted = useRef<Level | null>(null);
  const [playing, setPlaying] = useState(-1);
  const [engine, setEngine] = useState<"hls.js" | "native" | "mp4" | "">("");
  const [problem, setProblem] = useState("");
  const [help, setHelp] = useState(false);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    setProblem("");
    setFresh(null);
    latest.current = media;
    if (source.kind !== "hls" && source.kind !== "mp4") return;
    let live = true;
    let player: Hls | null = null;
    // What the element plays by itself (no hls.js): its errors are checked for refused links.
    let direct: "mp4" | "native" | null = null;
    const links = new LinkRefresher();

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

    const startHls = (url: string, at: Resume | null, keep: Level | null) => {
      const next = new Hls({ capLevelToPlayerSize: true, startPosition: at ? at.time : -1 });
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
              fallBackToMp4(UNPLAYABLE);
              return;
            }
            const at = resumeFrom(el);
            stopHls();
            startHls(renewed.url, at, wanted.current);
          },
          () => fallBackToMp4(UNPLAYABLE),
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
          fallBackToMp4(UNPLAYABLE);
        }
      });
      next.loadSource(url);
      next.attachMedia(el);
      setEngine("hls.js");
    };

    // Whether the viewer had it playing: by the time an error reaches us, Chrome's own controls
    // have paused the element (their "pause" event follows).
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
            else if (kind === "native") fallBackToMp4(UNPLAYABLE);
            else setProblem(UNPLAYABLE);
          },
          () => (kind === "native" ? fallBackToMp4(UNPLAYABLE) : setProblem(UNPLAYABLE)),
        );
      });
    };
    el.addEventListener("play", onPlayEvent);
    el.addEventListener("pause", onPauseEvent);
    el.addEventListener("error", onVideoError);

    if (source.kind === "mp4") {
      playDirect("mp4", source.url, null);
    } else if (Hls.isSupported()) {
      startHls(source.url, null, null);
    } else if (el.canPlayType("application/vnd.apple.mpegurl")) {
      playDirect("native", source.url, null); // Safari plays HLS itself (and picks the quality itself)
    } else {
      fallBackToMp4("Your browser cannot play this media.");
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

  const choose = (value: number) => {
    setChosen(value);
    wanted.current = levels[value] ?? null;
    if (hls.current) hls.current.currentLevel = value;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const el = video.current;
    const target = event.target as HTMLElement;
    if (!el || ["SELECT", "INPUT", "BUTTON", "TEXTAREA"].includes(target.tagName)) return;
    // On the focused <video> the browser's own controls already answer space and the arrows.
    const native = target === el;
    const key = event.key.toLowerCase();
    let handled = true;
    if ((key === " " && !native) || key === "k") {
      if (el.paused) void el.play();
      else el.pause();
    } else if (key === "arrowleft" && !native) el.currentTime = Math.max(0, el.currentTime - 5);
    else if (key === "arrowright" && !native) el.currentTime += 5;
    else if (key === "j") el.currentTime = Math.max(0, el.currentTime - 10);
    else if (key === "l") el.currentTime += 10;
    else if (key === "arrowup" && !native) el.volume = Math.min(1, el.volume + 0.1);
    else if (key === "arrowdown" && !native) el.volume = Math.max(0, el.volume - 0.1);
    else if (key === "m") el.muted = !el.muted;
    else if (key === "c") {
      const track = el.textTracks[0];
      if (track) track.mode = track.mode === "showing" ? "hidden" : "showing";
    } else if (key === "f") {
      if (document.fullscreenElement) void document.exitFullscreen();
      else void wrapper.current?.requestFullscreen?.();
    } else if (key === "?") setHelp((shown) => !shown);
    else handled = false;
    if (handled) event.preventDefault();
  };

  if (source.kind === "image") {
    return <img className="player-image" src={source.url} alt={media.title} />;
  }
  if (source.kind === "document") {
    return (
      <p className="notice">
        <a href={source.url}>Open the document “{media.title}”</a>
      </p>
    );
  }
  if (source.kind === "encoding") {
    return (
      <div className="player-message" role="status">
        <p>This media is still being encoded; it will play here when it is ready.</p>
        {source.progress !== null ? (
          <p>
            <progress max={100} value={source.progress} aria-label="Encoding progress" /> {source.progress}%
          </p>
        ) : null}
      </div>
    );
  }
  if (source.kind === "failed") {
    return (
      <div className="player-message error" role="alert">
        <p>Encoding this media failed, so it cannot be played.</p>
        {source.reason ? <p>{source.reason}</p> : null}
      </div>
    );
  }
  if (source.kind === "none") {
    return (
      <div className="player-message" role="status">
        <p>There is nothing to play for this media yet.</p>
      </div>
    );
  }

  const playingLabel = playing >= 0 && levels[playing] ? levelLabel(levels[playing]) : "";
  return (
    <div
      ref={wrapper}
      className="player"
      tabIndex={0}
      role="group"
      aria-label={`Player: ${media.title}. Press ? for keyboard shortcuts.`}
      onKeyDown={onKeyDown}
      data-engine={engine}
      data-quality={playingLabel}
    >
      <video
        ref={video}
        controls
        playsInline
        preload="metadata"
        aria-label={media.title}
        poster={shown.poster_url ?? undefined}
        onPlay={onPlay}
      >
        {(media.subtitles_info ?? []).map((track, i) => (
          <track key={track.src} kind="captions" src={track.src} srcLang={track.srclang} label={track.label} default={i === 0} />
        ))}
      </video>
      <ScrubBar video={video} spritesVtt={shown.sprites_vtt_url} />
      <div className="player-bar">
        <QualityMenu levels={levels} chosen={chosen} playing={playing} onChoose={choose} />
        <span className="player-status" aria-live="polite">
          {playingLabel ? `Playing ${playingLabel}${chosen === AUTO ? " (auto)" : ""}` : ""}
        </span>
        <button type="button" className="link-button" aria-expanded={help} onClick={() => setHelp(!help)}>
          Keyboard shortcuts
        </button>
      </div>
      {help ? (
        <dl className="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>{keys}</dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {problem ? (
        <p className="notice error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
