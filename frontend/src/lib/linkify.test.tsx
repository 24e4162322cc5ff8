import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Description, LINK_REL, linkPieces } from "./linkify";

describe("linkify", () => {
  it("turns web addresses into links and leaves the rest as text", () => {
    expect(linkPieces("Data: https://example.org/report?id=3 and www.example.com.")).toEqual([
      { text: "Data: " },
      { text: "https://example.org/report?id=3", href: "https://example.org/report?id=3" },
      { text: " and " },
      { text: "www.example.com", href: "https://www.example.com/" },
      { text: "." },
    ]);
  });

  it("keeps a closing bracket only when the address opened one", () => {
    expect(linkPieces("(see https://example.org/a)")[1].text).toBe("https://example.org/a");
    expect(linkPieces("https://en.wikipedia.org/wiki/Foo_(bar)")[0].text).toBe("https://en.wikipedia.org/wiki/Foo_(bar)");
  });

  it("never links other schemes", () => {
    expect(linkPieces("javascript:alert(1) data:text/html,x")).toEqual([{ text: "javascript:alert(1) data:text/html,x" }]);
  });

  it("renders HTML as text and marks links as user content", () => {
    const { container } = render(
      <Description text={'<img src=x onerror="alert(1)"> <b>bold</b>\nhttps://example.org/"><script>'} />,
    );
    expect(container.querySelector("img, b, script")).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror="alert(1)">');
    const links = container.querySelectorAll("a");
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute("href")).toBe("https://example.org/");
    expect(links[0].getAttribute("rel")).toBe(LINK_REL);
    expect(LINK_REL).toBe("nofollow ugc noopener");
  });
});
