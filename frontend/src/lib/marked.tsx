import type { ReactNode } from "react";

/**
 * Text with highlighted words, from the search API's `snippet`: HTML that the server escaped,
 * with the matched words in `<mark>`. Read with DOMParser and rebuilt as React nodes: only text
 * and `<mark>` come through, so nothing else in it could ever become markup.
 */
export function Marked({ html, className }: { html: string; className?: string }) {
  const body = new DOMParser().parseFromString(html, "text/html").body;
  const parts: ReactNode[] = [];
  body.childNodes.forEach((node, i) => {
    if (node.nodeName === "MARK") parts.push(<mark key={i}>{node.textContent}</mark>);
    else parts.push(node.textContent);
  });
  return <span className={className}>{parts}</span>;
}
