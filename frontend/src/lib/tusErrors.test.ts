import { describe, expect, it } from "vitest";
import { judge } from "./tusErrors";

describe("judge a failed tus request", () => {
  it("shows the server's reason for a too-big file and does not retry", () => {
    expect(judge({ status: 413, body: '{"detail": "The file is larger than 2 GB."}' })).toEqual({
      retry: false,
      message: "The file is larger than 2 GB.",
    });
  });

  it("shows why a file is not media", () => {
    const verdict = judge({ status: 400, body: '{"detail": "This is not a video, audio, image or PDF file."}' });
    expect(verdict).toEqual({ retry: false, message: "This is not a video, audio, image or PDF file." });
  });

  it("retries when there was no answer at all", () => {
    expect(judge({ status: 0, body: "" })).toEqual({ retry: true, message: "Connection lost; retrying…" });
  });

  it("retries server errors and conflicts, without showing an HTML error page", () => {
    expect(judge({ status: 502, body: "<html>Bad gateway</html>" })).toEqual({
      retry: true,
      message: "The server had a problem (502); retrying…",
    });
    expect(judge({ status: 409, body: "" }).retry).toBe(true);
    expect(judge({ status: 423, body: "" }).retry).toBe(true);
  });

  it("explains a lost login", () => {
    expect(judge({ status: 403, body: "" })).toEqual({
      retry: false,
      message: "You are not allowed to upload; are you still logged in?",
    });
  });
});
