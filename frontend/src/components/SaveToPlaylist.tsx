import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type Page, api } from "../api";
import { t } from "../lib/i18n";

type Playlist = { friendly_token: string; title: string; media_count: number };

const NEW = "__new__";

/** "Save to playlist" on the watch page: one of the viewer's playlists, or a new one. */
export function SaveToPlaylist({ token, username }: { token: string; username: string }) {
  const [open, setOpen] = useState(false);
  const [playlists, setPlaylists] = useState<Playlist[] | null>(null);
  const [chosen, setChosen] = useState(NEW);
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open || playlists !== null) return;
    api<Page<Playlist>>(`/api/v1/playlists?author=${encodeURIComponent(username)}`)
      .then((page) => {
        setPlaylists(page.results);
        if (page.results.length) setChosen(page.results[0].friendly_token);
      })
      .catch(() => setPlaylists([]));
  }, [open, playlists, username]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      let target = playlists?.find((p) => p.friendly_token === chosen);
      if (!target) {
        target = await api<Playlist>("/api/v1/playlists", { method: "POST", body: { title } });
        setPlaylists((old) => [...(old ?? []), target as Playlist]);
        setChosen(target.friendly_token);
        setTitle("");
      }
      await api(`/api/v1/playlists/${target.friendly_token}`, {
        method: "PUT",
        body: { type: "add", media_friendly_token: token },
      });
      setMessage(t("Saved to “{title}”.", { title: target.title }));
      setOpen(false);
    } catch (err) {
      setMessage(err instanceof ApiError ? err.detail : t("That did not reach the server; try again."));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="save-to-playlist">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t("Save to playlist")}
      </button>
      {open ? (
        <form className="playlist-form" onSubmit={save}>
          {playlists === null ? <p className="loading">{t("Loading your playlists…")}</p> : null}
          {playlists?.length ? (
            <>
              <label htmlFor="playlist-choice">{t("Playlist")}</label>
              <select id="playlist-choice" value={chosen} onChange={(e) => setChosen(e.target.value)}>
                {playlists.map((p) => (
                  <option key={p.friendly_token} value={p.friendly_token}>
                    {p.title}
                  </option>
                ))}
                <option value={NEW}>{t("A new playlist…")}</option>
              </select>
            </>
          ) : null}
          {playlists !== null && chosen === NEW ? (
            <>
              <label htmlFor="playlist-title">{t("Title of the new playlist")}</label>
              <input
                id="playlist-title"
                value={title}
                maxLength={100}
                required
                onChange={(e) => setTitle(e.target.value)}
              />
            </>
          ) : null}
          <button type="submit" disabled={busy || playlists === null}>
            {t("Save")}
          </button>
        </form>
      ) : null}
      <p className="action-message" role="status">
        {message}
      </p>
    </div>
  );
}
