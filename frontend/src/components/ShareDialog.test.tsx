import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import ShareDialog, { copyText, embedCode, embedSrc, shareLink } from "./ShareDialog";

vi.mock("qrcode", () => ({ default: { toCanvas: vi.fn(async () => undefined) }, toCanvas: vi.fn(async () => undefined) }));

beforeAll(() => {
  // jsdom has no modal dialogs: enough of one for the component.
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});

afterEach(() => vi.restoreAllMocks());

describe("share links", () => {
  it("adds t= in whole seconds only when asked and past the start", () => {
    expect(shareLink("https://p.example", "abc", null)).toBe("https://p.example/view?m=abc");
    expect(shareLink("https://p.example", "abc", 0)).toBe("https://p.example/view?m=abc");
    expect(shareLink("https://p.example", "abc", 75.9)).toBe("https://p.example/view?m=abc&t=75");
  });

  it("writes the embed options the embed page reads", () => {
    const none = { start: false, autoplay: false, loop: false, showTitle: true };
    expect(embedSrc("https://p.example", "abc", none, 40)).toBe("https://p.example/embed?m=abc");
    const all = { start: true, autoplay: true, loop: true, showTitle: false };
    expect(embedSrc("https://p.example", "abc", all, 40.4)).toBe(
      "https://p.example/embed?m=abc&t=40&autoplay=1&loop=1&title=0",
    );
  });

  it("escapes the title and the address in the embed code", () => {
    const code = embedCode("https://p.example/embed?m=a&t=1", 'A "quoted" <title>');
    expect(code).toContain('src="https://p.example/embed?m=a&amp;t=1"');
    expect(code).toContain('title="A &quot;quoted&quot; &lt;title&gt;"');
    expect(code.startsWith("<iframe ")).toBe(true);
  });
});

describe("copyText", () => {
  it("falls back to selecting the text when the Clipboard API is missing", async () => {
    const field = document.createElement("input");
    field.value = "hello";
    document.body.append(field);
    const exec = vi.fn(() => true);
    Object.defineProperty(document, "execCommand", { value: exec, configurable: true });
    expect(await copyText("hello", field)).toBe(true);
    expect(exec).toHaveBeenCalledWith("copy");
    expect(field.selectionStart).toBe(0);
    expect(field.selectionEnd).toBe(5);
  });
});

describe("ShareDialog", () => {
  it("is a labelled dialog whose link follows the time checkbox", async () => {
    const onClose = vi.fn();
    await act(async () => {
      render(<ShareDialog token="tok" title="Flood" currentTime={() => 95.2} onClose={onClose} />);
    });
    const dialog = screen.getByRole("dialog", { name: "Share" });
    expect(dialog.hasAttribute("open")).toBe(true);
    const link = screen.getByLabelText("Link to this media") as HTMLInputElement;
    expect(link.value).toBe(`${window.location.origin}/view?m=tok`);
    expect(document.activeElement).toBe(link);
    const [atTime] = screen.getAllByLabelText("Start at 1:35");
    fireEvent.click(atTime);
    expect(link.value).toBe(`${window.location.origin}/view?m=tok&t=95`);
    const code = screen.getByLabelText("Embed code") as HTMLTextAreaElement;
    fireEvent.click(screen.getByLabelText("Loop"));
    expect(code.value).toContain("loop=1");
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onClose).toHaveBeenCalled();
  });
});
