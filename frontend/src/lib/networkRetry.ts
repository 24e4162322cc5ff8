/** How the player retries after hls.js gives up loading (a fatal network error other than a
 * refused link): a few times, further apart each time, then the MP4 or the error message. A
 * server that is down must not get a request loop from every open watch page. */

/** Retries after one fatal network error; hls.js itself already retried each load. */
export const MAX_NETWORK_RETRIES = 3;
const FIRST_DELAY_MS = 1_000;

/** Milliseconds to wait before retry number ``attempt`` (1, 2, ...), or null: stop trying. */
export function networkRetryDelay(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_NETWORK_RETRIES) return null;
  return FIRST_DELAY_MS * 2 ** (attempt - 1);
}
