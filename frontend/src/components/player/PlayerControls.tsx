import { Keyboard } from "lucide-react";
import { Maximize } from "lucide-react";
import { Minimize } from "lucide-react";
import { Pause } from "lucide-react";
import { PictureInPicture2 } from "lucide-react";
import { Play } from "lucide-react";
import { Volume2 } from "lucide-react";
import { VolumeX } from "lucide-react";
import { useId } from "react";
import type { Track } from "./tracks";
import type { Chapter } from "../../lib/chapters";
import { formatDuration } from "../../lib/format";
import { t } from "../../lib/i18n";
import { AUTO, type Level, levelLabel } from "../../lib/quality";
import { QualityMenu } from "../QualityMenu";
import { ScrubBar } from "./ScrubBar";
import type { VideoState } from "./useVideoState";

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

export type ControlActions = {
  togglePlay: () => void;
  seek: (time: number) => void;
  toggleMute: () => void;
  setVolume: (volume: number) => void;
  setRate: (rate: number) => void;
  setCaption: (index: number) => void;
  togglePip: () => void;
  toggleFullscreen: () => void;
  openHelp: () => void;
};

type Props = {
  state: VideoState;
  actions: ControlActions;
  spritesVtt: string | null | undefined;
  chapters: Chapter[];
  levels: Level[];
  chosenLevel: number;
  playingLevel: number;
  chooseLevel: (value: number) => void;
  tracks: Track[];
  caption: number;
  fullscreen: boolean;
  pip: boolean;
};

/** The player's one control bar (the <video> has no controls of its own). */
export function PlayerControls(props: Props) {
  const { state, actions, levels, playingLevel, chosenLevel } = props;
  const speedId = useId();
  const captionsId = useId();
  const volumeId = useId();
  const playingLabel = playingLevel >= 0 && levels[playingLevel] ? levelLabel(levels[playingLevel]) : "";
  const status = playingLabel
    ? chosenLevel === AUTO
      ? t("Playing {quality} (auto)", { quality: playingLabel })
      : t("Playing {quality}", { quality: playingLabel })
    : "";
  const silent = state.muted || state.volume === 0;
  const icon = { "aria-hidden": true, size: 20 } as const;
  return (
    <div className="player-controls">
      <ScrubBar
        time={state.time}
        duration={state.duration}
        spritesVtt={props.spritesVtt}
        chapters={props.chapters}
        onSeek={actions.seek}
      />
      <div className="player-bar">
        <button type="button" className="player-icon-button" onClick={actions.togglePlay} aria-label={state.paused ? t("Play") : t("Pause")}>
          {state.paused ? <Play {...icon} /> : <Pause {...icon} />}
        </button>
        <span className="player-volume">
          <button type="button" className="player-icon-button" onClick={actions.toggleMute} aria-label={silent ? t("Unmute") : t("Mute")}>
            {silent ? <VolumeX {...icon} /> : <Volume2 {...icon} />}
          </button>
          <label htmlFor={volumeId} className="visually-hidden">
            {t("Volume")}
          </label>
          <input
            id={volumeId}
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={state.muted ? 0 : state.volume}
            aria-valuetext={`${Math.round((state.muted ? 0 : state.volume) * 100)}%`}
            onChange={(event) => actions.setVolume(Number(event.target.value))}
          />
        </span>
        <span className="player-time">
          <span className="visually-hidden">{t("Time")}</span>
          {/* Times read left to right in every language ("0:30 / 0:00" otherwise, in Arabic). */}
          <bdi dir="ltr">
            {formatDuration(Math.floor(state.time))} / {formatDuration(state.duration)}
          </bdi>
        </span>
        <span className="player-spacer" />
        {document.pictureInPictureEnabled ? (
          <button
            type="button"
            className="player-icon-button"
            onClick={actions.togglePip}
            aria-label={t("Picture in picture")}
            aria-pressed={props.pip}
          >
            <PictureInPicture2 {...icon} />
          </button>
        ) : null}
        <button
          type="button"
          className="player-icon-button"
          onClick={actions.toggleFullscreen}
          aria-label={props.fullscreen ? t("Exit full screen") : t("Full screen")}
        >
          {props.fullscreen ? <Minimize {...icon} /> : <Maximize {...icon} />}
        </button>
        <button type="button" className="player-icon-button" onClick={actions.openHelp} aria-label={t("Keyboard shortcuts")} aria-haspopup="dialog">
          <Keyboard {...icon} />
        </button>
      </div>
      <div className="player-menus">
        <QualityMenu levels={levels} chosen={chosenLevel} playing={playingLevel} onChoose={props.chooseLevel} />
        <span className="player-menu">
          <label htmlFor={speedId}>{t("Speed")}</label>
          <select id={speedId} value={state.rate} onChange={(event) => actions.setRate(Number(event.target.value))}>
            {SPEEDS.map((speed) => (
              <option key={speed} value={speed}>
                {speed === 1 ? t("Normal") : `${speed}×`}
              </option>
            ))}
          </select>
        </span>
        {props.tracks.length ? (
          <span className="player-menu">
            <label htmlFor={captionsId}>{t("Captions")}</label>
            <select id={captionsId} value={props.caption} onChange={(event) => actions.setCaption(Number(event.target.value))}>
              <option value={-1}>{t("Off")}</option>
              {props.tracks.map((track, i) => (
                <option key={track.src} value={i}>
                  {track.label || track.srclang}
                </option>
              ))}
            </select>
          </span>
        ) : null}
        <span className="player-status" aria-live="polite">
          {status}
        </span>
      </div>
    </div>
  );
}
