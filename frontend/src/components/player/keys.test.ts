import { afterEach, describe, expect, it } from "vitest";
import { keyForPlayer } from "./Player";

afterEach(() => {
  document.body.innerHTML = "";
});

function press(target: HTMLElement, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, ...init });
  Object.defineProperty(event, "target", { value: target });
  return event;
}

describe("keyForPlayer", () => {
  it("takes keys on the player or the page body, never in fields or elsewhere", () => {
    document.body.innerHTML = `
      <div id="player"><button id="play">Play</button><input id="seek" type="range"></div>
      <input id="search"><textarea id="comment"></textarea><a id="link" href="#">x</a>`;
    const player = document.getElementById("player")!;
    const get = (id: string) => document.getElementById(id)!;
    expect(keyForPlayer(press(document.body, "k"), player)).toBe(true);
    expect(keyForPlayer(press(player, "k"), player)).toBe(true);
    expect(keyForPlayer(press(get("play"), "k"), player)).toBe(true);
    // Space and Enter press a focused button; a range input keeps its own keys.
    expect(keyForPlayer(press(get("play"), " "), player)).toBe(false);
    expect(keyForPlayer(press(get("seek"), "ArrowRight"), player)).toBe(false);
    // Typing in a field, or focus on another control of the page.
    expect(keyForPlayer(press(get("search"), "k"), player)).toBe(false);
    expect(keyForPlayer(press(get("comment"), "m"), player)).toBe(false);
    expect(keyForPlayer(press(get("link"), "k"), player)).toBe(false);
    // With a modifier it is the browser's shortcut.
    expect(keyForPlayer(press(document.body, "f", { ctrlKey: true }), player)).toBe(false);
  });
});
