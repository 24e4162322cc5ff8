/** State of the upload page's files, as a reducer: pure, so it is tested without a network. */

import { type Sample, etaOf, speedOf, trimSamples } from "./format";

export type UploadStatus =
  | "queued"
  | "uploading"
  | "retrying"
  | "processing"
  | "done"
  | "failed"
  | "cancelled";

export type UploadItem = {
  id: string;
  name: string;
  size: number;
  sent: number;
  status: UploadStatus;
  resuming: boolean;
  retryable: boolean;
  samples: Sample[];
  error: string;
  mediaToken: string;
};

export type UploadAction =
  | { type: "add"; id: string; name: string; size: number }
  | { type: "start"; id: string; resuming?: boolean }
  | { type: "progress"; id: string; sent: number; at: number }
  | { type: "retrying"; id: string; reason: string }
  | { type: "sent"; id: string }
  | { type: "done"; id: string; mediaToken: string }
  | { type: "failed"; id: string; error: string; retryable?: boolean }
  | { type: "cancelled"; id: string }
  | { type: "remove"; id: string };

export const ACTIVE: UploadStatus[] = ["uploading", "retrying"];
export const FINISHED: UploadStatus[] = ["done", "failed", "cancelled"];

function update(state: UploadItem[], id: string, change: (item: UploadItem) => UploadItem): UploadItem[] {
  return state.map((item) => (item.id === id ? change(item) : item));
}

export function uploadReducer(state: UploadItem[], action: UploadAction): UploadItem[] {
  switch (action.type) {
    case "add":
      if (state.some((item) => item.id === action.id)) return state;
      return [
        ...state,
        {
          id: action.id,
          name: action.name,
          size: action.size,
          sent: 0,
          status: "queued",
          resuming: false,
          retryable: false,
          samples: [],
          error: "",
          mediaToken: "",
        },
      ];
    case "start":
      return update(state, action.id, (item) => ({
        ...item,
        status: "uploading",
        resuming: action.resuming ?? false,
        retryable: false,
        error: "",
      }));
    case "progress":
      return update(state, action.id, (item) => {
        if (FINISHED.includes(item.status)) return item;
        const samples = trimSamples([...item.samples, { at: action.at, bytes: action.sent }]);
        // Bytes arriving again after a retry mean the connection is back.
        return { ...item, sent: action.sent, samples, status: "uploading", error: "" };
      });
    case "retrying":
      return update(state, action.id, (item) =>
        FINISHED.includes(item.status) ? item : { ...item, status: "retrying", error: action.reason, samples: [] },
      );
    case "sent":
      return update(state, action.id, (item) => ({ ...item, sent: item.size, status: "processing" }));
    case "done":
      return update(state, action.id, (item) => ({
        ...item,
        sent: item.size,
        status: "done",
        mediaToken: action.mediaToken,
        error: "",
      }));
    case "failed":
      return update(state, action.id, (item) => ({
        ...item,
        status: "failed",
        error: action.error,
        retryable: action.retryable ?? false,
        samples: [],
      }));
    case "cancelled":
      return update(state, action.id, (item) => ({ ...item, status: "cancelled", error: "" }));
    case "remove":
      return state.filter((item) => item.id !== action.id);
  }
}

/** Files to start now so that at most ``limit`` upload at once (the rest wait their turn). */
export function toStart(state: UploadItem[], limit: number): string[] {
  const running = state.filter((item) => ACTIVE.includes(item.status)).length;
  return state
    .filter((item) => item.status === "queued")
    .slice(0, Math.max(0, limit - running))
    .map((item) => item.id);
}

export function speed(item: UploadItem): number | null {
  return item.status === "uploading" ? speedOf(item.samples) : null;
}

export function eta(item: UploadItem): number | null {
  return etaOf(item.size - item.sent, speed(item));
}
