import "./player.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MediaDetail } from "../../api";
import { readChapters } from "../../lib/chapters";
import { t } from "../../lib/i18n";
import { levelLabel } from "../../lib/quality";
import { loadPosition, savePosition } from "../../lib/resumePosition";
import { chooseSource } from "../../lib/sources";
import { Chapters } from "./Chapters";
import { type ControlActions, PlayerControls } from "./PlayerControls";
import { ShortcutsHelp } from "./ShortcutsHelp";
import { Transcript } from "./Transcript";
import { tracksOf } from "./tracks";
import { usePlayerCore } from "./usePlayerCore";
import { useVideoState } from "./useVideoState";

export type PlayerProps = {
  media: MediaDetail;
  onPlay?: () => void;
  /** Show the transcript and chapter list under the video (the watch page; not the embed). */
  panels?: boolean;
  /** Start playing at once, muted. */
  autoplayMuted?: boolean;
  loop?: boolean;
  /** Seconds to start at; overrides the viewer's resume position. */
  startTime?: number | null;
};

const CAPTIONS_KEY = "op-captions";

function storedCaptionLanguage(): string {
  try {
    return window.localStorage.getItem(CAPTIONS_KEY) ?? "";
  } catch {
    return "";
  }
}

function storeCaptionLanguage(language: string) {
  try {
    if (language) window.localStorage.setItem(CAPTIONS_KEY, language);
    else window.localStorage.removeItem(CAPTIONS_KEY);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** Whether a key press is for the player: focus in it or on the page itself, never in a field. */
export function keyForPlayer(event: KeyboardEvent, wrapper: HTMLElement | null): boolean {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return false;
  const target = event.target instanceof HTMLElement ? event.target : null;
  const onPage = !target || target === document.body || target === document.documentElement;
  if (!onPage && !(wrapper && target && wrapper.contains(target))) return false;
  if (target?.closest("input, select, textarea, [contenteditable]:not([contenteditable='false']), dialog")) return false;
  // Space and Enter on a button press the button.
  if (target?.closest("button, a, summary") && (event.key === " " || event.key === "Enter")) return false;
  return true;
}

/** A media that plays: the core, the controls, the keyboard, and (on the watch page) the panels. */
function VideoPlayer({ media, onPlay, panels, autoplayMuted, loop, startTime }: PlayerProps) {
  const wrapper = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const help = useRef<HTMLDialogElement>(null);
  const token = media.friendly_token;
  const startAt = useMemo(
    () => (startTime !== undefined && startTime !== null && startTime > 0 ? startTime : loadPosition(token)),
    [token, startTime],
  );
  const core = usePlayerCore(media, video, { startAt, autoplayMuted });
  const [state, syncState] = useVideoState(video);
  const chapters = useMemo(
    () => readChapters((media as MediaDetail & { chapter_data?: unknown }).chapter_data),
    [media],
  );
  const tracks = tracksOf(core.shown);
  const [caption, setCaptionState] = useState(() => {
    const language = storedCaptionLanguage();
    return language ? tracksOf(media).findIndex((track) => track.srclang === language) : -1;
  });
  const [fullscreen, setFullscreen] = useState(false);
  const [pip, setPip] = useState(false);

  // The captions shown: the chosen track's mode "showing", the others off.
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const apply = () => {
      el.querySelectorAll("track").forEach((node, i) => {
        node.track.mode = i === caption ? "showing" : "disabled";
      });
    };
    apply();
    // A track element added later (fresh links) starts with its default mode.
    el.textTracks.addEventListener("addtrack", apply);
    return () => el.textTracks.removeEventListener("addtrack", apply);
  }, [caption, tracks.length]);

  useEffect(() => {
    const onFullscreen = () => setFullscreen(document.fullscreenElement === wrapper.current);
    document.addEventListener("fullscreenchange", onFullscreen);
    const el = video.current;
    const onEnterPip = () => setPip(true);
    const onLeavePip = () => setPip(false);
    el?.addEventListener("enterpictureinpicture", onEnterPip);
    el?.addEventListener("leavepictureinpicture", onLeavePip);
    return () => {
      document.removeEventListener("fullscreenchange", onFullscreen);
      el?.removeEventListener("enterpictureinpicture", onEnterPip);
      el?.removeEventListener("leavepictureinpicture", onLeavePip);
    };
  }, []);

  // Remember where the viewer is, to start there next time (lib/resumePosition.ts).
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let saved = -1;
    const save = () => {
      if (el.seeking || !Number.isFinite(el.duration)) return;
      const second = Math.floor(el.currentTime);
      if (second === saved) return;
      saved = second;
      savePosition(token, el.currentTime, el.duration);
    };
    const ended = () => savePosition(token, el.duration, el.duration);
    el.addEventListener("timeupdate", save);
    el.addEventListener("pause", save);
    el.addEventListener("ended", ended);
    window.addEventListener("pagehide", save);
    return () => {
      el.removeEventListener("timeupdate", save);
      el.removeEventListener("pause", save);
      el.removeEventListener("ended", ended);
      window.removeEventListener("pagehide", save);
    };
  }, [token]);

  const seek = useCallback((time: number) => {
    const el = video.current;
    if (!el) return;
    const end = Number.isFinite(el.duration) ? el.duration : Number.POSITIVE_INFINITY;
    el.currentTime = Math.min(Math.max(0, time), end);
    syncState();
  }, [syncState]);

  const setCaption = useCallback(
    (index: number) => {
      setCaptionState(index);
      storeCaptionLanguage(tracks[index]?.srclang ?? "");
    },
    [tracks],
  );

  const actions: ControlActions = {
    togglePlay: () => {
      const el = video.current;
      if (!el) return;
      if (el.paused || el.ended) void el.play().catch(() => undefined);
      else el.pause();
    },
    seek,
    toggleMute: () => {
      const el = video.current;
      if (!el) return;
      if (el.muted || el.volume === 0) {
        el.muted = false;
        if (el.volume === 0) el.volume = 0.5;
      } else el.muted = true;
    },
    setVolume: (volume) => {
      const el = video.current;
      if (!el) return;
      el.volume = Math.min(1, Math.max(0, volume));
      el.muted = el.volume === 0;
    },
    setRate: (rate) => {
      if (video.current) video.current.playbackRate = rate;
    },
    setCaption,
    togglePip: () => {
      const el = video.current;
      if (!el) return;
      if (document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => undefined);
      else void el.requestPictureInPicture?.().catch(() => undefined);
    },
    toggleFullscreen: () => {
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
      else void wrapper.current?.requestFullscreen?.().catch(() => undefined);
    },
    openHelp: () => {
      if (!help.current?.open) help.current?.showModal();
    },
  };
  const keys = useRef(actions);
  keys.current = actions;
  const captionRef = useRef({ caption, count: tracks.length, last: caption >= 0 ? caption : 0 });
  captionRef.current = { ...captionRef.current, caption, count: tracks.length };
  if (caption >= 0) captionRef.current.last = caption;

  // The keyboard shortcuts (listed by ShortcutsHelp).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const el = video.current;
      if (!el || !keyForPlayer(event, wrapper.current)) return;
      const act = keys.current;
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      let handled = true;
      if (key === " " || key === "k") act.togglePlay();
      else if (key === "j") act.seek(el.currentTime - 10);
      else if (key === "l") act.seek(el.currentTime + 10);
      else if (key === "ArrowLeft") act.seek(el.currentTime - 5);
      else if (key === "ArrowRight") act.seek(el.currentTime + 5);
      else if (key === "ArrowUp") act.setVolume(el.volume + 0.1);
      else if (key === "ArrowDown") act.setVolume(el.volume - 0.1);
      else if (key === "m") act.toggleMute();
      else if (key === "f") act.toggleFullscreen();
      else if (key === "c") {
        const now = captionRef.current;
        if (now.count) act.setCaption(now.caption >= 0 ? -1 : Math.min(now.last, now.count - 1));
        else handled = false;
      } else if (key === "?") act.openHelp();
      else handled = false;
      if (handled) event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const quality = core.playing >= 0 && core.levels[core.playing] ? core.levels[core.playing] : null;
  return (
    <>
      <div
        ref={wrapper}
        className="player"
        tabIndex={0}
        role="group"
        aria-label={t("Player: {title}. Press ? for keyboard shortcuts.", { title: media.title })}
        data-engine={core.engine}
        data-quality={quality ? levelLabel(quality) : ""}
        data-fullscreen={fullscreen ? "true" : undefined}
      >
        <video
          ref={video}
          playsInline
          preload="metadata"
          loop={loop}
          aria-label={media.title}
          poster={core.shown.poster_url ?? undefined}
          onPlay={onPlay}
          onClick={actions.togglePlay}
        >
          {tracks.map((track) => (
            <track key={track.srclang} kind="subtitles" src={track.src} srcLang={track.srclang} label={track.label || track.srclang} />
          ))}
        </video>
        <PlayerControls
          state={state}
          actions={actions}
          spritesVtt={core.shown.sprites_vtt_url}
          chapters={chapters}
          levels={core.levels}
          chosenLevel={core.chosen}
          playingLevel={core.playing}
          chooseLevel={core.chooseLevel}
          tracks={tracks}
          caption={caption}
          fullscreen={fullscreen}
          pip={pip}
        />
        <ShortcutsHelp ref={help} />
        {core.problem ? (
          <p className="notice error" role="alert">
            {core.problem}
          </p>
        ) : null}
      </div>
      {panels ? (
        <div className="player-panels">
          <Chapters chapters={chapters} time={state.time} onSeek={seek} />
          <Transcript track={tracks[caption >= 0 ? caption : 0]} time={state.time} onSeek={seek} />
        </div>
      ) : null}
    </>
  );
}

/** The player of a media, or what stands for it (an image, a document, the encoding state). */
export function Player(props: PlayerProps) {
  const { media } = props;
  const source = chooseSource(media);
  if (source.kind === "image") {
    return <img className="player-image" src={source.url} alt={media.title} />;
  }
  if (source.kind === "document") {
    return (
      <p className="notice">
        <a href={source.url}>{t("Open the document “{title}”", { title: media.title })}</a>
      </p>
    );
  }
  if (source.kind === "encoding") {
    return (
      <div className="player-message" role="status">
        <p>{t("This media is still being encoded; it will play here when it is ready.")}</p>
        {source.progress !== null ? (
          <p>
            <progress max={100} value={source.progress} aria-label={t("Encoding progress")} /> {source.progress}%
          </p>
        ) : null}
      </div>
    );
  }
  if (source.kind === "failed") {
    return (
      <div className="player-message error" role="alert">
        <p>{t("Encoding this media failed, so it cannot be played.")}</p>
        {source.reason ? <p>{source.reason}</p> : null}
      </div>
    );
  }
  if (source.kind === "none") {
    return (
      <div className="player-message" role="status">
        <p>{t("There is nothing to play for this media yet.")}</p>
      </div>
    );
  }
  return <VideoPlayer {...props} />;
}
