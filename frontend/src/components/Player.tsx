import Hls from "hls.js";
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import type { MediaDetail } from "../api";
import { AUTO, type Level, levelLabel } from "../lib/quality";
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

type Props = { media: MediaDetail; onPlay?: () => void };

export function Player({ media, onPlay }: Props) {
  const source = chooseSource(media);
  const wrapper = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const hls = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [chosen, setChosen] = useState(AUTO);
  const [playing, setPlaying] = useState(-1);
  const [engine, setEngine] = useState<"hls.js" | "native" | "mp4" | "">("");
  const [problem, setProblem] = useState("");
  const [help, setHelp] = useState(false);

  const fallBackToMp4 = useCallback(
    (why: string) => {
      const el = video.current;
      const mp4 = bestMp4(media);
      hls.current?.destroy();
      hls.current = null;
      setLevels([]);
      if (el && mp4) {
        el.src = mp4;
        setEngine("mp4");
      } else {
        setProblem(why);
      }
    },
    [media],
  );

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    setProblem("");
    if (source.kind === "mp4") {
      el.src = source.url;
      setEngine("mp4");
      return;
    }
    if (source.kind !== "hls") return;
    if (Hls.isSupported()) {
      const player = new Hls({ capLevelToPlayerSize: true });
      hls.current = player;
      player.on(Hls.Events.MANIFEST_PARSED, () => {
        setLevels(player.levels.map((l) => ({ height: l.height, bitrate: l.bitrate })));
      });
      player.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => setPlaying(data.level));
      let mediaRecoveries = 0;
      player.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && data.details !== Hls.ErrorDetails.MANIFEST_LOAD_ERROR) {
          player.startLoad();
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
          mediaRecoveries += 1;
          player.recoverMediaError();
        } else {
          fallBackToMp4("This media cannot be played right now. Try again later.");
        }
      });
      player.loadSource(source.url);
      player.attachMedia(el);
      setEngine("hls.js");
      return () => {
        player.destroy();
        hls.current = null;
      };
    }
    if (el.canPlayType("application/vnd.apple.mpegurl")) {
      el.src = source.url; // Safari plays HLS itself (and picks the quality itself)
      setEngine("native");
      return;
    }
    fallBackToMp4("Your browser cannot play this media.");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source.kind, "url" in source ? source.url : ""]);

  const choose = (value: number) => {
    setChosen(value);
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
        poster={media.poster_url ?? undefined}
        onPlay={onPlay}
      >
        {(media.subtitles_info ?? []).map((track, i) => (
          <track key={track.src} kind="captions" src={track.src} srcLang={track.srclang} label={track.label} default={i === 0} />
        ))}
      </video>
      <ScrubBar video={video} spritesVtt={media.sprites_vtt_url} />
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
