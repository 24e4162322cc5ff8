import { X } from "lucide-react";
import { forwardRef, useId } from "react";
import { t } from "../../lib/i18n";

/** The keys the player answers (usePlayerKeys), as the help overlay lists them. */
export function shortcutList(): [string, string][] {
  return [
    [t("Space or K"), t("Play or pause")],
    [t("J / L"), t("Back or forward 10 seconds")],
    ["← / →", t("Back or forward 5 seconds")],
    ["↑ / ↓", t("Volume up or down")],
    ["M", t("Mute or unmute")],
    ["C", t("Captions on or off")],
    ["F", t("Full screen")],
    ["?", t("This list of shortcuts")],
  ];
}

/** A modal <dialog> listing the keyboard shortcuts; the browser moves the focus in, closes it
 * on Escape and gives the focus back to what had it. */
export const ShortcutsHelp = forwardRef<HTMLDialogElement>(function ShortcutsHelp(_props, ref) {
  const title = useId();
  return (
    <dialog ref={ref} className="player-help" aria-labelledby={title}>
      <div className="player-help-head">
        <h2 id={title}>{t("Keyboard shortcuts")}</h2>
        <form method="dialog">
          <button type="submit" className="player-icon-button" aria-label={t("Close")} autoFocus>
            <X aria-hidden="true" size={20} />
          </button>
        </form>
      </div>
      <dl>
        {shortcutList().map(([keys, what]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </dialog>
  );
});
