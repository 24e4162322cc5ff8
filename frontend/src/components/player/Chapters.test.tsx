import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chapters } from "./Chapters";

afterEach(cleanup);

const chapters = [
  { start: 0, title: "Opening" },
  { start: 65, title: "The boats" },
];

describe("Chapters", () => {
  it("lists the chapters as buttons that seek, the one playing marked current", () => {
    const onSeek = vi.fn();
    render(<Chapters chapters={chapters} time={70} onSeek={onSeek} />);
    const boats = screen.getByRole("button", { name: /The boats/ });
    expect(boats.textContent).toContain("1:05");
    expect(boats.getAttribute("aria-current")).toBe("true");
    expect(screen.getByRole("button", { name: /Opening/ }).getAttribute("aria-current")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /Opening/ }));
    expect(onSeek).toHaveBeenCalledWith(0);
  });

  it("is not shown without chapters", () => {
    const { container } = render(<Chapters chapters={[]} time={0} onSeek={() => {}} />);
    expect(container.innerHTML).toBe("");
  });
});
