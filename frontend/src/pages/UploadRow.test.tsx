import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { type UploadItem, uploadReducer } from "../lib/uploadQueue";
import { Row } from "./Upload";

afterEach(cleanup);

function item(over: Partial<UploadItem>): UploadItem {
  const [base] = uploadReducer([], { type: "add", id: "x", name: "clip.mp4", size: 10_000_000 });
  return { ...base, ...over };
}

const noop = () => {};

describe("an upload's row", () => {
  it("shows progress, speed and time left while uploading", () => {
    const row = item({
      status: "uploading",
      sent: 4_000_000,
      samples: [
        { at: 0, bytes: 2_000_000 },
        { at: 1000, bytes: 4_000_000 },
      ],
    });
    render(<Row item={row} onCancel={noop} onRetry={noop} />);
    expect(screen.getByRole("progressbar", { name: "clip.mp4: 40% uploaded" })).toHaveProperty("value", 40);
    expect(screen.getByText(/40% · 2.0 MB\/s · 3 s left/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Cancel clip.mp4" })).toBeTruthy();
  });

  it("shows the server's refusal next to the file, with no retry button", () => {
    render(<Row item={item({ status: "failed", error: "The file is too big." })} onCancel={noop} onRetry={noop} />);
    expect(screen.getByRole("alert").textContent).toBe("The file is too big.");
    expect(screen.queryByRole("button", { name: /Try again/ })).toBeNull();
  });

  it("offers to try again after the network gave up", () => {
    render(
      <Row item={item({ status: "failed", retryable: true, error: "The connection kept failing." })} onCancel={noop} onRetry={noop} />,
    );
    expect(screen.getByRole("button", { name: "Try again clip.mp4" })).toBeTruthy();
  });

  it("says retrying while the connection is down", () => {
    render(<Row item={item({ status: "retrying", error: "Connection lost; retrying…" })} onCancel={noop} onRetry={noop} />);
    expect(screen.getByText("Connection lost; retrying…")).toBeTruthy();
    expect(screen.getByText("Retrying")).toBeTruthy();
  });
});
