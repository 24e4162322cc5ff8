import { describe, expect, it } from "vitest";
import { MAX_NETWORK_RETRIES, networkRetryDelay } from "./networkRetry";

describe("networkRetryDelay", () => {
  it("waits longer before each retry", () => {
    const delays = Array.from({ length: MAX_NETWORK_RETRIES }, (_, i) => networkRetryDelay(i + 1));
    expect(delays).toEqual([1_000, 2_000, 4_000]);
  });

  it("stops after the last retry, so a server that is down gets no request loop", () => {
    expect(networkRetryDelay(MAX_NETWORK_RETRIES + 1)).toBeNull();
    expect(networkRetryDelay(100)).toBeNull();
  });

  it("refuses attempts that are not counted from 1", () => {
    expect(networkRetryDelay(0)).toBeNull();
    expect(networkRetryDelay(-1)).toBeNull();
    expect(networkRetryDelay(1.5)).toBeNull();
  });
});
