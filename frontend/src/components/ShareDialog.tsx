import "./share.css";
import { Check } from "lucide-react";
import { Copy } from "lucide-react";
import { X } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { t } from "../lib/i18n";

export type EmbedOptions = { start: boolean; autoplay: boolean; loop: boolean; showTitle: boolean };

/** The watch page's address, at ``seconds`` when given (``?t=``, which the watch page honours). */
export function shareLink(origin: string, token: string, seconds: number | null): string {
  const url = `${origin}/view?m=${encodeURIComponent(token)}`;
  return seconds && seconds > 0 ? `${url}&t=${Math.floor(seconds)}` : url;
}

/** The embed page's address with its options (media_app/sharing.py's embed_options reads them). */
export function embedSrc(origin: string, token: string, options: EmbedOptions, seconds: number): string {
  const query = new URLSearchParams({ m: token });
  if (options.start && seconds > 0) query.set("t", String(Math.floor(seconds)));
  if (options.autoplay) query.set("autoplay", "1");
  if (options.loop) query.set("loop", "1");
  if (!options.showTitle) query.set("title", "0");
  return `${origin}/embed?${query.toString()}`;
}

function attribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The HTML to paste into another site (the same iframe as /oembed's ``html``). */
export function embedCode(src: string, title: string, width = 640, height = 360): string {
  return (
    `<iframe src="${attribute(src)}" width="${width}" height="${height}" title="${attribute(title)}" ` +
    `frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`
  );
}

/** Copy ``text``: the Clipboard API, else select it in ``field`` and ask the browser to copy. */
export async function copyText(text: string, field: HTMLInputElement | HTMLTextAreaElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // refused (no permission, no focus): fall back to the selection
  }
  if (!field) return false;
  field.focus();
  field.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

function CopyButton({ label, text, field }: { label: string; text: string; field: () => HTMLInputElement | HTMLTextAreaElement | null }) {
  const [state, setState] = useState<"" | "copied" | "select">("");
  useEffect(() => setState(""), [text]);
  const copy = async () => setState((await copyText(text, field())) ? "copied" : "select");
  return (
    <>
      <button type="button" className="share-copy" onClick={copy}>
        {state === "copied" ? <Check className="icon" aria-hidden="true" /> : <Copy className="icon" aria-hidden="true" />}{" "}
        {label}
      </button>
      <span className="share-copied" role="status">
        {state === "copied" ? t("Copied.") : state === "select" ? t("Selected: press Ctrl+C (⌘C) to copy.") : ""}
      </span>
    </>
  );
}

function QrCode({ text }: { text: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    // Loaded when the dialog opens: the watch page's own chunk stays without it.
    import("qrcode")
      .then((QRCode) => {
        if (live && canvas.current) return QRCode.toCanvas(canvas.current, text, { margin: 2, width: 176 });
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [text]);
  if (failed) return null;
  return <canvas ref={canvas} className="share-qr" role="img" aria-label={t("QR code of the link")} width={176} height={176} />;
}

type Props = {
  token: string;
  title: string;
  /** The player's position now, in seconds (read when the dialog opens). */
  currentTime: () => number;
  onClose: () => void;
};

/** The share dialog (issue 16, point 4): the link (at the current time if asked), a QR code of
 * it, and the embed code with its options. A modal <dialog>: the focus moves in, Escape closes it,
 * the opener gets the focus back. */
export default function ShareDialog({ token, title, currentTime, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const linkField = useRef<HTMLInputElement>(null);
  const codeField = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const [seconds] = useState(() => Math.floor(currentTime() || 0));
  const [atTime, setAtTime] = useState(false);
  const [options, setOptions] = useState<EmbedOptions>({ start: false, autoplay: false, loop: false, showTitle: true });
  const origin = window.location.origin;
  const link = shareLink(origin, token, atTime ? seconds : null);
  const code = embedCode(embedSrc(origin, token, options, seconds), title);

  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (!node.open) node.showModal();
    linkField.current?.focus();
    linkField.current?.select();
    const closed = () => onClose();
    node.addEventListener("close", closed);
    return () => node.removeEventListener("close", closed);
  }, [onClose]);

  const option = (key: keyof EmbedOptions, label: string) => (
    <label className="share-option">
      <input type="checkbox" checked={options[key]} onChange={(e) => setOptions({ ...options, [key]: e.target.checked })} /> {label}
    </label>
  );
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

  return (
    <dialog ref={dialog} className="share-dialog" aria-labelledby={`${id}-title`}>
      <div className="share-head">
        <h2 id={`${id}-title`}>{t("Share")}</h2>
        <button type="button" className="share-close" onClick={() => dialog.current?.close()} aria-label={t("Close")}>
          <X className="icon" aria-hidden="true" />
        </button>
      </div>
      <div className="share-body">
        <section className="share-link" aria-labelledby={`${id}-link`}>
          <h3 id={`${id}-link`}>{t("Link")}</h3>
          <label htmlFor={`${id}-url`} className="visually-hidden">
            {t("Link to this media")}
          </label>
          <input id={`${id}-url`} ref={linkField} className="share-field" type="text" readOnly value={link} onFocus={(e) => e.target.select()} />
          <label className="share-option">
            <input type="checkbox" checked={atTime} disabled={seconds <= 0} onChange={(e) => setAtTime(e.target.checked)} />{" "}
            {t("Start at {time}", { time: clock })}
          </label>
          <div className="share-actions">
            <CopyButton label={t("Copy link")} text={link} field={() => linkField.current} />
          </div>
          <QrCode text={link} />
        </section>
        <section className="share-embed" aria-labelledby={`${id}-embed`}>
          <h3 id={`${id}-embed`}>{t("Embed")}</h3>
          <fieldset>
            <legend>{t("Embed options")}</legend>
            {option("start", t("Start at {time}", { time: clock }))}
            {option("autoplay", t("Autoplay (muted)"))}
            {option("loop", t("Loop"))}
            {option("showTitle", t("Show the title"))}
          </fieldset>
          <label htmlFor={`${id}-code`}>{t("Embed code")}</label>
          <textarea id={`${id}-code`} ref={codeField} className="share-field share-code" readOnly rows={4} value={code} onFocus={(e) => e.target.select()} />
          <div className="share-actions">
            <CopyButton label={t("Copy embed code")} text={code} field={() => codeField.current} />
          </div>
        </section>
      </div>
    </dialog>
  );
}
