import { type ChangeEvent, useEffect, useId, useReducer, useRef, useState } from "react";
import * as tus from "tus-js-client";
import { type Viewer, csrfToken } from "../api";
import { editMedia, messageOf } from "../components/studio/api";
import "../components/studio/studio.css";
import { t } from "../lib/i18n";
import { formatBytes, formatEta, formatSpeed, percent } from "../lib/format";
import { s3Settings } from "../lib/s3Api";
import type { S3Uploader, Unfinished as S3Unfinished } from "../lib/s3Upload";
import { judge } from "../lib/tusErrors";
import { type UploadItem, eta, speed, toStart, uploadReducer } from "../lib/uploadQueue";

type Props = { endpoint: string; max_size: number; can_publish: boolean };

// Where the bytes go, as GET /api/v1/uploads/s3 says: tus to our server (filesystem mode) or
// S3 multipart straight to the bucket. Files chosen before the answer wait for it.
type Mode = "loading" | "tus" | "s3" | "unavailable";

// How long to wait before each new attempt after a dropped connection (then give up; the
// person can retry and the upload resumes where it stopped).
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 15000, 30000, 30000, 60000, 60000, 60000];
const PARALLEL = 3;
// Each PATCH carries at most this much, so a drop loses little and proxies see bounded bodies.
const CHUNK_SIZE = 8 * 1024 * 1024;

function statusText(status: UploadItem["status"]): string {
  const text: Record<UploadItem["status"], string> = {
    queued: t("Waiting"),
    uploading: t("Uploading"),
    retrying: t("Retrying"),
    processing: t("Finishing"),
    done: t("Uploaded"),
    failed: t("Not uploaded"),
    cancelled: t("Cancelled"),
  };
  return text[status];
}

function failureOf(err: Error): { status: number; body: string } {
  const response = (err as tus.DetailedError).originalResponse;
  return { status: response ? response.getStatus() : 0, body: response ? response.getBody() : "" };
}

/** The title typed for a file while it uploads; saved once the upload has made the media. */
export type TitleState = { value: string; note?: string; error?: boolean };

type RowProps = {
  item: UploadItem;
  onCancel: () => void;
  onRetry: () => void;
  title?: TitleState;
  onTitle?: (value: string) => void;
  onTitleDone?: () => void;
};

export function Row({ item, onCancel, onRetry, title, onTitle, onTitleDone }: RowProps) {
  const done = percent(item.sent, item.size);
  const active = item.status === "uploading" || item.status === "retrying" || item.status === "queued";
  const titleId = useId();
  const editable = onTitle && item.status !== "cancelled" && !(item.status === "failed" && !item.retryable);
  return (
    <li className={`upload upload-${item.status}`} data-status={item.status}>
      <div className="upload-head">
        <span className="upload-name">{item.name}</span>
        <span className="upload-size">{formatBytes(item.size)}</span>
        <span className="upload-status">{statusText(item.status)}</span>
      </div>
      {editable ? (
        <div className="upload-title">
          <label htmlFor={titleId}>
            {t("Title")} <span className="visually-hidden">{t("of {name}", { name: item.name })}</span>
          </label>
          <input
            id={titleId}
            value={title?.value ?? ""}
            maxLength={100}
            placeholder={item.name.replace(/\.[^.]+$/, "").replace(/_/g, " ")}
            onChange={(e) => onTitle(e.target.value)}
            onBlur={onTitleDone}
            onKeyDown={(e) => {
              if (e.key === "Enter") onTitleDone?.();
            }}
          />
          {title?.note ? (
            <span className={title.error ? "error" : "studio-status"} role={title.error ? "alert" : undefined}>
              {title.note}
            </span>
          ) : null}
        </div>
      ) : null}
      <progress max={100} value={done} aria-label={t("{name}: {n}% uploaded", { name: item.name, n: done })} />
      <div className="upload-info" aria-live="polite">
        {item.status === "uploading" ? (
          <span>
            {done}% · {formatSpeed(speed(item))} · {formatEta(eta(item))}
            {item.resuming ? ` · ${t("resumed")}` : ""}
          </span>
        ) : null}
        {item.status === "retrying" ? <span className="warning">{item.error || t("Retrying…")}</span> : null}
        {item.status === "processing" ? <span>{t("{n}% · almost there…", { n: done })}</span> : null}
        {item.status === "failed" ? (
          <span className="error" role="alert">
            {item.error}
          </span>
        ) : null}
        {item.status === "done" ? (
          <span>
            100% · {item.mediaToken ? <a href={`/view?m=${item.mediaToken}`}>{t("open it")}</a> : null} ·{" "}
            {t("Encoding starts now.")} <a href="/my-media">{t("Follow it in My media")}</a>
          </span>
        ) : null}
      </div>
      <div className="upload-buttons">
        {active ? (
          <button type="button" onClick={onCancel}>
            {t("Cancel")} <span className="visually-hidden">{item.name}</span>
          </button>
        ) : null}
        {item.status === "failed" && item.retryable ? (
          <button type="button" onClick={onRetry}>
            {t("Try again")} <span className="visually-hidden">{item.name}</span>
          </button>
        ) : null}
      </div>
    </li>
  );
}

function Unfinished({ onForget }: { onForget: () => void }) {
  const [previous, setPrevious] = useState<tus.PreviousUpload[]>([]);
  const refresh = () => {
    tus.defaultOptions.urlStorage
      .findAllUploads()
      .then(setPrevious)
      .catch(() => setPrevious([]));
  };
  useEffect(refresh, []);
  if (previous.length === 0) return null;
  const forget = async (upload: tus.PreviousUpload) => {
    if (upload.uploadUrl) {
      await tus.Upload.terminate(upload.uploadUrl, { headers: { "X-CSRFToken": csrfToken() } }).catch(() => undefined);
    }
    await tus.defaultOptions.urlStorage.removeUpload(upload.urlStorageKey);
    refresh();
    onForget();
  };
  return (
    <section className="notice" aria-labelledby="unfinished-title">
      <h2 id="unfinished-title">{t("Unfinished uploads")}</h2>
      <p>{t("Choose the same file again to continue where it stopped.")}</p>
      <ul>
        {previous.map((upload) => (
          <li key={upload.urlStorageKey}>
            {upload.metadata.filename ?? t("A file")} ({formatBytes(upload.size ?? 0)}){" "}
            <button type="button" className="link-button" onClick={() => void forget(upload)}>
              {t("Forget it")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Files of an earlier visit to the bucket whose bytes the browser did not keep. */
function UnfinishedS3({ uploader, version }: { uploader: S3Uploader; version: number }) {
  const [previous, setPrevious] = useState<S3Unfinished[]>([]);
  useEffect(() => setPrevious(uploader.unfinished()), [uploader, version]);
  if (previous.length === 0) return null;
  const forget = async (fileId: string) => {
    await uploader.forget(fileId);
    setPrevious(uploader.unfinished());
  };
  return (
    <section className="notice" aria-labelledby="unfinished-title">
      <h2 id="unfinished-title">{t("Unfinished uploads")}</h2>
      <p>{t("Choose the same file again to continue where it stopped.")}</p>
      <ul>
        {previous.map((upload) => (
          <li key={upload.fileId}>
            {upload.name} ({formatBytes(upload.size)}){" "}
            <button type="button" className="link-button" onClick={() => void forget(upload.fileId)}>
              {t("Forget it")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Upload({ props, viewer }: { props: Props; viewer?: Viewer }) {
  const inputId = useId();
  const stateId = useId();
  const [items, dispatch] = useReducer(uploadReducer, []);
  const [state, setState] = useState("public");
  const [mode, setMode] = useState<Mode>("loading");
  const [maxSize, setMaxSize] = useState(props.max_size);
  const [restored, setRestored] = useState(0);
  const files = useRef(new Map<string, File | string>());
  const uploads = useRef(new Map<string, tus.Upload>());
  const s3 = useRef<S3Uploader | null>(null);
  const started = useRef(new Set<string>());
  const claimed = useRef(new Set<string>());
  const stateNow = useRef(state);
  stateNow.current = state;
  const counter = useRef(0);
  // Titles typed while the files upload: saved (PUT) once each upload has made its media, and
  // again when changed afterwards. One file's failure to save says so on its row only.
  const [titles, setTitles] = useState<Record<string, TitleState>>({});
  const titlesNow = useRef(titles);
  titlesNow.current = titles;
  const savedTitles = useRef(new Map<string, string>());
  const itemsNow = useRef(items);
  itemsNow.current = items;

  const setTitle = (id: string, change: Partial<TitleState>) =>
    setTitles((all) => ({ ...all, [id]: { ...(all[id] ?? { value: "" }), ...change } }));

  const saveTitle = async (id: string) => {
    const item = itemsNow.current.find((i) => i.id === id);
    const value = (titlesNow.current[id]?.value ?? "").trim();
    if (!item || item.status !== "done" || !item.mediaToken || !value) return;
    if (savedTitles.current.get(id) === value) return;
    savedTitles.current.set(id, value);
    setTitle(id, { note: t("Saving the title…"), error: false });
    try {
      await editMedia(item.mediaToken, { title: value });
      setTitle(id, { note: t("Title saved."), error: false });
    } catch (err) {
      savedTitles.current.delete(id);
      setTitle(id, { note: messageOf(err), error: true });
    }
  };

  // An upload that has just finished gets the title typed so far.
  useEffect(() => {
    for (const item of items) {
      if (item.status === "done" && item.mediaToken && titlesNow.current[item.id]?.value.trim()) {
        if (!savedTitles.current.has(item.id)) void saveTitle(item.id);
      }
    }
  });

  useEffect(() => {
    let live = true;
    let uploader: S3Uploader | null = null;
    const load = async () => {
      const settings = await s3Settings();
      if (!live) return;
      if (!settings?.enabled) {
        setMode("tus");
        return;
      }
      // Uppy is its own chunk, downloaded only when uploads go to the bucket.
      const { S3Uploader } = await import("../lib/s3Upload");
      if (!live) return;
      uploader = new S3Uploader({
        owner: viewer?.username ?? "",
        settings,
        visibility: () => stateNow.current,
        events: {
          progress: (id, sent) => dispatch({ type: "progress", id, sent, at: Date.now() }),
          retrying: (id, reason) => dispatch({ type: "retrying", id, reason }),
          sent: (id) => dispatch({ type: "sent", id }),
          done: (id, mediaToken) => dispatch({ type: "done", id, mediaToken }),
          failed: (id, error, retryable) => dispatch({ type: "failed", id, error, retryable }),
          restored: () => setRestored((n) => n + 1),
        },
      });
      s3.current = uploader;
      if (settings.max_size > 0) setMaxSize(settings.max_size);
      setMode("s3");
    };
    // Never tus instead: in S3 mode the file must not go through our server.
    load().catch(() => live && setMode("unavailable"));
    return () => {
      live = false;
      // Pause, not cancel: leaving the page keeps the uploads on the server to resume later.
      uploader?.close();
      s3.current = null;
    };
  }, [viewer?.username]);

  // Files the browser kept from an earlier visit (small ones) go on by themselves.
  useEffect(() => {
    const uploader = s3.current;
    if (!uploader || restored === 0) return;
    for (const file of uploader.resumable()) {
      if (claimed.current.has(file.fileId)) continue;
      claimed.current.add(file.fileId);
      counter.current += 1;
      const id = `${counter.current}-${file.name}`;
      files.current.set(id, file.fileId);
      dispatch({ type: "add", id, name: file.name, size: file.size });
    }
  }, [restored]);

  const beginS3 = (id: string, uploader: S3Uploader) => {
    const file = files.current.get(id);
    if (!file || started.current.has(id)) return;
    started.current.add(id);
    dispatch({ type: "start", id });
    if (uploader.begin(id, file)) dispatch({ type: "start", id, resuming: true });
    setRestored((n) => n + 1); // a file chosen again leaves the "Unfinished uploads" list
  };

  const begin = (id: string) => {
    if (mode === "s3" && s3.current) {
      beginS3(id, s3.current);
      return;
    }
    const file = files.current.get(id);
    if (!(file instanceof File) || uploads.current.has(id)) return;
    // A title typed before the upload starts goes with its creation (tus metadata).
    const typed = (titlesNow.current[id]?.value ?? "").trim();
    if (typed) savedTitles.current.set(id, typed);
    const upload = new tus.Upload(file, {
      endpoint: props.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type, state, ...(typed ? { title: typed } : {}) },
      headers: { "X-CSRFToken": csrfToken() },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent) => dispatch({ type: "progress", id, sent, at: Date.now() }),
      onShouldRetry: (err) => {
        const verdict = judge(failureOf(err));
        if (verdict.retry) dispatch({ type: "retrying", id, reason: verdict.message });
        return verdict.retry;
      },
      onError: (err) => {
        const failure = failureOf(err);
        const verdict = judge(failure);
        dispatch({
          type: "failed",
          id,
          retryable: verdict.retry,
          error: verdict.retry ? t("The connection kept failing. Try again to resume.") : verdict.message,
        });
      },
      onSuccess: ({ lastResponse }) => {
        dispatch({ type: "done", id, mediaToken: lastResponse.getHeader("Upload-Media") ?? "" });
      },
    });
    uploads.current.set(id, upload);
    dispatch({ type: "start", id });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous.length > 0) {
          upload.resumeFromPreviousUpload(previous[0]);
          dispatch({ type: "start", id, resuming: true });
        }
        upload.start();
      })
      .catch(() => upload.start());
  };

  useEffect(() => {
    if (mode === "loading" || mode === "unavailable") return;
    for (const id of toStart(items, PARALLEL)) begin(id);
  });

  const add = (event: ChangeEvent<HTMLInputElement>) => {
    for (const file of Array.from(event.target.files ?? [])) {
      counter.current += 1;
      const id = `${counter.current}-${file.name}`;
      files.current.set(id, file);
      dispatch({ type: "add", id, name: file.name, size: file.size });
      if (maxSize > 0 && file.size > maxSize) {
        dispatch({ type: "failed", id, error: t("This file is bigger than the limit of {size}.", { size: formatBytes(maxSize) }) });
      }
    }
    event.target.value = "";
  };

  const cancel = (id: string) => {
    if (mode === "s3") {
      s3.current?.cancel(id);
      dispatch({ type: "cancelled", id });
      return;
    }
    const upload = uploads.current.get(id);
    uploads.current.delete(id);
    dispatch({ type: "cancelled", id });
    if (upload) void upload.abort(true).catch(() => undefined);
  };

  const retry = (id: string) => {
    if (mode === "s3") {
      dispatch({ type: "start", id, resuming: true });
      s3.current?.retry(id);
      return;
    }
    const upload = uploads.current.get(id);
    if (!upload) return;
    dispatch({ type: "start", id, resuming: true });
    upload.start();
  };

  // When the browser says the network is back, resume what gave up while it was away.
  useEffect(() => {
    const online = () => {
      for (const item of items) if (item.status === "failed" && item.retryable) retry(item.id);
    };
    window.addEventListener("online", online);
    return () => window.removeEventListener("online", online);
  });

  return (
    <div className="upload-page" data-uploader={mode}>
      {!props.can_publish ? (
        <p className="notice">
          {t("Your uploads stay private until an editor reviews them. Verified journalists publish directly.")}{" "}
          <a href="/verification">{t("Ask to be verified")}</a>
        </p>
      ) : null}
      {mode === "tus" ? <Unfinished onForget={() => undefined} /> : null}
      {mode === "s3" && s3.current ? <UnfinishedS3 uploader={s3.current} version={restored} /> : null}
      <div className="field">
        <label htmlFor={stateId}>{t("Who may see the new uploads")}</label>
        <select id={stateId} value={state} onChange={(e) => setState(e.target.value)}>
          <option value="public">{t("Public")}</option>
          <option value="unlisted">{t("Unlisted (anyone with the link)")}</option>
          <option value="private">{t("Private (only me)")}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={inputId}>{t("Choose files to upload (video, audio, images, PDF)")}</label>
        <input
          id={inputId}
          type="file"
          multiple
          accept="video/*,audio/*,image/*,application/pdf"
          onChange={add}
          disabled={!tus.isSupported}
        />
        {!tus.isSupported ? <p className="error">{t("This browser cannot upload files here.")}</p> : null}
        {mode === "unavailable" ? (
          <p className="error" role="alert">
            {t("The uploader could not load. Check your connection and reload the page.")}
          </p>
        ) : null}
      </div>
      <ul className="upload-list">
        {items.map((item) => (
          <Row
            key={item.id}
            item={item}
            onCancel={() => cancel(item.id)}
            onRetry={() => retry(item.id)}
            title={titles[item.id]}
            onTitle={(value) => setTitle(item.id, { value, note: "", error: false })}
            onTitleDone={() => void saveTitle(item.id)}
          />
        ))}
      </ul>
    </div>
  );
}
