import { t } from "../lib/i18n";
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../api";

export type Loaded<T> = { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };

/** GET a URL when it changes; ``null`` waits. */
export function useFetch<T>(url: string | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(url !== null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (url === null) return;
    let live = true;
    setLoading(true);
    api<T>(url)
      .then((body) => {
        if (!live) return;
        setData(body);
        setError(null);
      })
      .catch((err: unknown) => {
        if (live) setError(err instanceof ApiError ? err : new ApiError(0, t("The server could not be reached.")));
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [url, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}
