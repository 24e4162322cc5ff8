import { type ChangeEvent, useEffect, useId, useReducer, useRef, useState } from "react";
import * as tus from "tus-js-client";
import { csrfToken } from "../api";
import { formatBytes, formatEta, formatSpeed, percent } from "../lib/format";
import { judge } from "../lib/tusErrors";
import { type UploadItem, eta, speed, toStart, uploadReducer } from "../lib/uploadQueue";

type Props = { endpoint: string; max_size: number; can_publish: boolean };

// How long to wait before each new attempt after a dropped connection (then give up; the
// person can retry and the upload resumes where it stopped).
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 15000, 30000, 30000, 60000, 60000, 60000];
const PARALLEL = 3;
// Each PATCH carries at most this much, so a drop loses little and proxies see bounded bodies.
const CHUNK_SIZE = 8 * 1024 * 1024;

const STATUS_TEXT: Record<UploadItem["status"], string> = {
  queued: "Waiting",
  uploading: "Uploading",
  retrying: "Retrying",
  processing: "Finishing",
  done: "Uploaded",
  failed: "Not uploaded",
  cancelled: "Cancelled",
};

function failureOf(err: Error): { status: number; body: string } {
  const response = (err as tus.DetailedError).originalResponse;
  return { status: response ? response.getStatus() : 0, body: response ? response.getBody() : "" };
}

export function Row({ item, onCancel, onRetry }: { item: UploadItem; onCancel: () => void; onRetry: () => void }) {
  const done = percent(item.sent, item.size);
  const active = item.status === "uploading" || item.status === "retrying" || item.status === "queued";
  return (
    <li className={`upload upload-${item.status}`} data-status={item.status}>
      <div className="upload-head">
        <span className="upload-name">{item.name}</span>
        <span className="upload-size">{formatBytes(item.size)}</span>
        <span className="upload-status">{STATUS_TEXT[item.status]}</span>
      </div>
      <progress max={100} value={done} aria-label={`${item.name}: ${done}% uploaded`} />
      <div className="upload-info" aria-live="polite">
        {item.status === "uploading" ? (
          <span>
            {done}% · {formatSpeed(speed(item))} · {formatEta(eta(item))}
            {item.resuming ? " · resumed" : ""}
          </span>
        ) : null}
        {item.status === "retrying" ? <span className="warning">{item.error || "Retrying…"}</span> : null}
        {item.status === "processing" ? <span>{done}% · almost there…</span> : null}
        {item.status === "failed" ? (
          <span className="error" role="alert">
            {item.error}
          </span>
        ) : null}
        {item.status === "done" ? (
          <span>
            100% · {item.mediaToken ? <a href={`/view?m=${item.mediaToken}`}>open it</a> : null} (encoding starts now;
            follow it in <a href="/my-media">My media</a>)
          </span>
        ) : null}
      </div>
      <div className="upload-buttons">
        {active ? (
          <button type="button" onClick={onCancel}>
            Cancel <span className="visually-hidden">{item.name}</span>
          </button>
        ) : null}
        {item.status === "failed" && item.retryable ? (
          <button type="button" onClick={onRetry}>
            Try again <span className="visually-hidden">{item.name}</span>
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
      <h2 id="unfinished-title">Unfinished uploads</h2>
      <p>Choose the same file again to continue where it stopped.</p>
      <ul>
        {previous.map((upload) => (
          <li key={upload.urlStorageKey}>
            {upload.metadata.filename ?? "A file"} ({formatBytes(upload.size ?? 0)}){" "}
            <button type="button" className="link-button" onClick={() => void forget(upload)}>
              Forget it
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Upload({ props }: { props: Props }) {
  const inputId = useId();
  const stateId = useId();
  const [items, dispatch] = useReducer(uploadReducer, []);
  const [state, setState] = useState("public");
  const files = useRef(new Map<string, File>());
  const uploads = useRef(new Map<string, tus.Upload>());
  const counter = useRef(0);

  const begin = (id: string) => {
    const file = files.current.get(id);
    if (!file || uploads.current.has(id)) return;
    const upload = new tus.Upload(file, {
      endpoint: props.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type, state },
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
          error: verdict.retry ? "The connection kept failing. Try again to resume." : verdict.message,
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
    for (const id of toStart(items, PARALLEL)) begin(id);
  });

  const add = (event: ChangeEvent<HTMLInputElement>) => {
    for (const file of Array.from(event.target.files ?? [])) {
      counter.current += 1;
      const id = `${counter.current}-${file.name}`;
      files.current.set(id, file);
      dispatch({ type: "add", id, name: file.name, size: file.size });
      if (props.max_size > 0 && file.size > props.max_size) {
        dispatch({ type: "failed", id, error: `This file is bigger than the limit of ${formatBytes(props.max_size)}.` });
      }
    }
    event.target.value = "";
  };

  const cancel = (id: string) => {
    const upload = uploads.current.get(id);
    uploads.current.delete(id);
    dispatch({ type: "cancelled", id });
    if (upload) void upload.abort(true).catch(() => undefined);
  };

  const retry = (id: string) => {
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
    <div className="upload-page">
      {!props.can_publish ? (
        <p className="notice">
          Your uploads stay private until an editor reviews them. Verified journalists publish directly:{" "}
          <a href="/verification">ask to be verified</a>.
        </p>
      ) : null}
      <Unfinished onForget={() => undefined} />
      <div className="field">
        <label htmlFor={stateId}>Who may see the new uploads</label>
        <select id={stateId} value={state} onChange={(e) => setState(e.target.value)}>
          <option value="public">Public</option>
          <option value="unlisted">Unlisted (anyone with the link)</option>
          <option value="private">Private (only me)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={inputId}>Choose files to upload (video, audio, images, PDF)</label>
        <input
          id={inputId}
          type="file"
          multiple
          accept="video/*,audio/*,image/*,application/pdf"
          onChange={add}
          disabled={!tus.isSupported}
        />
        {!tus.isSupported ? <p className="error">This browser cannot upload files here.</p> : null}
      </div>
      <ul className="upload-list">
        {items.map((item) => (
          <Row key={item.id} item={item} onCancel={() => cancel(item.id)} onRetry={() => retry(item.id)} />
        ))}
      </ul>
    </div>
  );
}
