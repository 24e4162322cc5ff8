import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QualityMenu } from "./QualityMenu";

afterEach(cleanup);

const levels = [
  { height: 240, bitrate: 400_000 },
  { height: 720, bitrate: 2_500_000 },
];

describe("QualityMenu", () => {
  it("is a labelled select that switches to a chosen rendition and back to automatic", () => {
    const onChoose = vi.fn();
    render(<QualityMenu levels={levels} chosen={-1} playing={0} onChoose={onChoose} />);
    const select = screen.getByLabelText("Quality") as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(["Auto (240p)", "720p", "240p"]);
    fireEvent.change(select, { target: { value: "1" } });
    expect(onChoose).toHaveBeenLastCalledWith(1);
    fireEvent.change(select, { target: { value: "-1" } });
    expect(onChoose).toHaveBeenLastCalledWith(-1);
  });

  it("is not offered when there is only one rendition", () => {
    const { container } = render(<QualityMenu levels={[levels[0]]} chosen={-1} playing={0} onChoose={() => {}} />);
    expect(container.innerHTML).toBe("");
  });
});
