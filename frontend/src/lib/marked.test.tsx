import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Marked } from "./marked";

describe("Marked", () => {
  it("keeps <mark> and text, and nothing else", () => {
    const { container } = render(
      <Marked html={'R&amp;D <mark>budget</mark> <img src=x onerror="alert(1)"><b>bold</b>'} />,
    );
    expect(container.querySelectorAll("mark")).toHaveLength(1);
    expect(container.querySelector("mark")?.textContent).toBe("budget");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toBe("R&D budget bold");
  });
});
