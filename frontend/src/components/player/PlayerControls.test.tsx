import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ControlActions, PlayerControls } from "./PlayerControls";

afterEach(cleanup);

function actions(): ControlActions {
  return {
    togglePlay: vi.fn(),
    seek: vi.fn(),
    toggleMute: vi.fn(),
    setVolume: vi.fn(),
    setRate: vi.fn(),
    setCaption: vi.fn(),
    togglePip: vi.fn(),
    toggleFullscreen: vi.fn(),
    openHelp: vi.fn(),
  };
}

const state = { paused: true, time: 75, duration: 600, volume: 0.8, muted: false, rate: 1 };
const tracks = [
  { src: "/s/en.vtt", srclang: "en", label: "English" },
  { src: "/s/pt.vtt", srclang: "pt", label: "Português" },
];

function show(act: ControlActions, extra: Partial<Parameters<typeof PlayerControls>[0]> = {}) {
  return render(
    <PlayerControls
      state={state}
      actions={act}
      spritesVtt={null}
      chapters={[{ start: 0, title: "Opening" }, { start: 300, title: "Half way" }]}
      levels={[]}
      chosenLevel={-1}
      playingLevel={-1}
      chooseLevel={() => {}}
      tracks={tracks}
      caption={-1}
      fullscreen={false}
      pip={false}
      {...extra}
    />,
  );
}

describe("PlayerControls", () => {
  it("names every control and calls its action", () => {
    const act = actions();
    show(act);
    fireEvent.click(screen.getByRole("button", { name: "Play" }));
    expect(act.togglePlay).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Mute" }));
    expect(act.toggleMute).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Full screen" }));
    expect(act.toggleFullscreen).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Keyboard shortcuts" }));
    expect(act.openHelp).toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Volume"), { target: { value: "0.25" } });
    expect(act.setVolume).toHaveBeenCalledWith(0.25);
    fireEvent.change(screen.getByLabelText("Speed"), { target: { value: "1.5" } });
    expect(act.setRate).toHaveBeenCalledWith(1.5);
    const captions = screen.getByLabelText("Captions") as HTMLSelectElement;
    expect(Array.from(captions.options).map((o) => o.textContent)).toEqual(["Off", "English", "Português"]);
    fireEvent.change(captions, { target: { value: "1" } });
    expect(act.setCaption).toHaveBeenCalledWith(1);
  });

  it("has one seek bar, with the chapter marks and the chapter in its value text", () => {
    const act = actions();
    const { container } = show(act);
    const seek = screen.getByRole("slider", { name: "Seek" });
    expect(seek.getAttribute("aria-valuetext")).toBe("1:15 of 10:00, Opening");
    expect(container.querySelectorAll(".scrub-bar")).toHaveLength(1);
    // The first chapter starts at 0: only the second is a mark.
    expect(container.querySelectorAll(".scrub-mark")).toHaveLength(1);
    fireEvent.change(seek, { target: { value: "300" } });
    expect(act.seek).toHaveBeenCalledWith(300);
  });

  it("says pause, unmute and exit while playing muted in full screen; no captions menu without tracks", () => {
    show(actions(), { state: { ...state, paused: false, muted: true }, fullscreen: true, tracks: [] });
    expect(screen.getByRole("button", { name: "Pause" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Unmute" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Exit full screen" })).toBeTruthy();
    expect(screen.queryByLabelText("Captions")).toBeNull();
  });
});
