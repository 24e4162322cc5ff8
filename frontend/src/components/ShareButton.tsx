import { Share2 } from "lucide-react";
import { Suspense, lazy, useCallback, useRef, useState } from "react";
import { t } from "../lib/i18n";

// The dialog (and the QR code library it loads) is fetched on the first click only: the watch
// page's own JavaScript stays as it was.
const ShareDialog = lazy(() => import("./ShareDialog"));

/** The watch page's "Share" button; the dialog reads the player's position when it opens. */
export function ShareButton({ token, title }: { token: string; title: string }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    button.current?.focus();
  }, []);
  const currentTime = useCallback(() => document.querySelector<HTMLVideoElement>(".watch video")?.currentTime ?? 0, []);
  return (
    <>
      <button ref={button} type="button" className="icon-button share-button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        <Share2 className="icon" aria-hidden="true" /> {t("Share")}
      </button>
      {open ? (
        <Suspense fallback={null}>
          <ShareDialog token={token} title={title} currentTime={currentTime} onClose={close} />
        </Suspense>
      ) : null}
    </>
  );
}
