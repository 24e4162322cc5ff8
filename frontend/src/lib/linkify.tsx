// A description as people typed it: plain text, line breaks kept, web addresses turned into
// links. Nothing in it is read as HTML (React writes text nodes), and only http(s) addresses
// become links, marked rel="nofollow ugc noopener" (user content: no endorsement, no opener).
import type { ReactNode } from "react";

export type Piece = { text: string; href?: string };

// An address starts with http:// or https:// (or www.) and runs to the next space or angle
// bracket or quote; trailing punctuation that ends the sentence is not part of it.
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'"»”’]+$/;

function trimUrl(raw: string): string {
  let url = raw.replace(TRAILING, "");
  // A closing bracket belongs to the address only when it opened one: "(see https://x.org/a)".
  for (const [open, close] of [
    ["(", ")"],
    ["[", "]"],
  ]) {
    while (url.endsWith(close) && url.split(open).length < url.split(close).length) {
      url = url.slice(0, -1).replace(TRAILING, "");
    }
  }
  return url;
}

/** The text cut into plain pieces and links (``href`` set), in order. */
export function linkPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    const url = trimUrl(match[0]);
    if (!url || /^www\.$/i.test(url)) continue;
    const href = /^www\./i.test(url) ? `https://${url}` : url;
    let parsed: URL;
    try {
      parsed = new URL(href);
    } catch {
      continue;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") continue;
    if (start > last) pieces.push({ text: text.slice(last, start) });
    pieces.push({ text: url, href: parsed.href });
    last = start + url.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

export const LINK_REL = "nofollow ugc noopener";

/** React nodes of ``text``: strings and <a> links. */
export function linkify(text: string): ReactNode[] {
  return linkPieces(text).map((piece, index) =>
    piece.href ? (
      // Pieces never move: the index is a stable key.
      <a key={index} href={piece.href} rel={LINK_REL}>
        {piece.text}
      </a>
    ) : (
      piece.text
    ),
  );
}

/** A description block: the text with its line breaks (white-space: pre-line) and links. */
export function Description({ text, className = "description" }: { text: string; className?: string }) {
  return (
    <div className={className} style={{ whiteSpace: "pre-line" }}>
      {linkify(text)}
    </div>
  );
}
