import { useCallback, useEffect, useState } from "react";
import { ApiError, type Viewer, api, mediaDetailPath } from "../api";
import { DetailsForm } from "../components/studio/DetailsForm";
import { DeleteMedia, ReplaceFile } from "../components/studio/ReplaceFile";
import { ThumbnailChooser } from "../components/studio/ThumbnailChooser";
import ChaptersEditor from "../components/ChaptersEditor";
import SubtitlesEditor from "../components/SubtitlesEditor";
import type { EditableDetail } from "../components/studio/api";
import { t } from "../lib/i18n";

// The edit page (/edit?m=<token>, MediaCMS's address), for the owner and editors: the details
// (title, description, tags, categories, visibility, downloads, comments, embedding), the
// thumbnail (a frame or a picture), a new file, delete (issue 16); then source protection
// (docs/provenance.md, section 1): what the original revealed, and the owner's choice to publish
// it unchanged.

export type FoundItem = {
  group: string;
  name: string;
  value: string;
  removed: boolean;
  lat?: number;
  lon?: number;
};

export type OriginalState = {
  original_unchanged: boolean;
  original_unchanged_confirmed_at: string | null;
  public_file_ready: boolean;
  metadata_found: FoundItem[];
};

export const GROUP_TITLES: Record<string, string> = {
  location: "Location",
  device: "Device",
  serial: "Serial numbers",
  author: "Author names",
  software: "Editing software",
  created: "Creation time",
  "other identifying": "Other identifying details",
};

/** GROUP_TITLES in the page's language (t() at render time, with literals it can extract). */
function groupTitle(group: string): string {
  const titles: Record<string, string> = {
    location: t("Location"),
    device: t("Device"),
    serial: t("Serial numbers"),
    author: t("Author names"),
    software: t("Editing software"),
    created: t("Creation time"),
    "other identifying": t("Other identifying details"),
  };
  return titles[group] ?? group;
}

export function groupFound(items: FoundItem[]): [string, FoundItem[]][] {
  const groups = new Map<string, FoundItem[]>();
  for (const item of items) {
    const list = groups.get(item.group) ?? [];
    list.push(item);
    groups.set(item.group, list);
  }
  const order = Object.keys(GROUP_TITLES);
  return [...groups.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
}

/** A link to the position on OpenStreetMap (the page itself loads no map tiles: the CSP forbids). */
export function mapLink(lat: number, lon: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
}

type Props = { friendly_token: string; title: string; is_owner: boolean };

/** The editor proper: loads the media's detail, and each part saves on its own. */
function Studio({ token, viewer, onTitle }: { token: string; viewer?: Viewer; onTitle: (title: string) => void }) {
  const [media, setLoaded] = useState<EditableDetail | null>(null);
  const setMedia = useCallback(
    (next: EditableDetail) => {
      setLoaded(next);
      onTitle(next.title);
    },
    [onTitle],
  );
  const [error, setError] = useState("");
  useEffect(() => {
    api<EditableDetail>(mediaDetailPath(token), { cache: "no-store" })
      .then(setMedia)
      .catch((err) => setError(err instanceof ApiError ? err.detail : t("The server could not be reached.")));
  }, [token]);
  if (!media) {
    return error ? (
      <p className="notice error" role="alert">
        {error}
      </p>
    ) : (
      <p className="loading">{t("Loading…")}</p>
    );
  }
  return (
    <div className="studio" data-edit-version={media.edit_date}>
      <DetailsForm media={media} canPublish={viewer?.can_publish ?? false} onSaved={setMedia} />
      <ThumbnailChooser media={media} onSaved={setMedia} />
      <ReplaceFile media={media} onSaved={setMedia} />
    </div>
  );
}

export default function Edit({ props, viewer }: { props: Props; viewer?: Viewer }) {
  const path = `/api/v1/media/${encodeURIComponent(props.friendly_token)}/original`;
  const [state, setState] = useState<OriginalState | null>(null);
  const [error, setError] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const [saving, setSaving] = useState(false);
  const [title, setTitle] = useState(props.title);

  const load = useCallback(async () => {
    try {
      setState(await api<OriginalState>(path));
      setError("");
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("The server could not be reached."));
    }
  }, [path]);

  useEffect(() => {
    void load();
  }, [load]);

  async function choose(publish: boolean) {
    setSaving(true);
    try {
      const body = publish ? { publish_unchanged: true, confirm: confirmed } : { publish_unchanged: false };
      setState(await api<OriginalState>(path, { method: "POST", body }));
      setConfirmed(false);
      setError("");
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("The server could not be reached."));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="edit-media">
      {/* The page template gives the one h1 ("Edit: <title>"). */}
      <p>
        <a href={`/view?m=${props.friendly_token}`}>{t("Open the media page")}</a>
      </p>
      <Studio token={props.friendly_token} viewer={viewer} onTitle={setTitle} />
      <SubtitlesEditor token={props.friendly_token} />
      <ChaptersEditor token={props.friendly_token} />
      <h2>{t("What your file revealed")}</h2>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {state === null ? (
        error ? null : <p className="loading">{t("Loading…")}</p>
      ) : !state.public_file_ready ? (
        <p className="notice">{t("The file is still being read. This list appears once it is encoded.")}</p>
      ) : (
        <FoundList state={state} />
      )}
      {state?.public_file_ready ? (
        <div className="original-choice">
          <h2>{t("The original file")}</h2>
          {state.original_unchanged ? (
            <>
              <p className="notice" data-original="unchanged">
                {t("Downloads get your original file unchanged, with everything listed above.")}
              </p>
              {props.is_owner ? (
                <button type="button" disabled={saving} onClick={() => void choose(false)}>
                  {t("Stop publishing the original; offer the cleaned copy again")}
                </button>
              ) : null}
            </>
          ) : (
            <>
              <p data-original="sealed">
                {t("Downloads get a cleaned copy. Your original is kept sealed: only you and the editors can fetch it.")}
              </p>
              {props.is_owner ? (
                <>
                  <label>
                    <input
                      type="checkbox"
                      name="confirm"
                      checked={confirmed}
                      onChange={(event) => setConfirmed(event.target.checked)}
                    />{" "}
                    {t(
                      "I have read the list above and want anyone who downloads this media to get my original file, with all of it.",
                    )}
                  </label>{" "}
                  <button type="button" disabled={!confirmed || saving} onClick={() => void choose(true)}>
                    {t("Publish the original unchanged")}
                  </button>
                </>
              ) : (
                <p className="notice">{t("Only its owner can choose to publish the original unchanged.")}</p>
              )}
            </>
          )}
        </div>
      ) : null}
      <DeleteMedia media={{ friendly_token: props.friendly_token, title }} />
    </section>
  );
}

function FoundList({ state }: { state: OriginalState }) {
  if (state.metadata_found.length === 0) {
    return <p className="notice">{t("Nothing identifying was found in the file.")}</p>;
  }
  return (
    <div className="metadata-found">
      {groupFound(state.metadata_found).map(([group, items]) => (
        <section key={group} data-group={group}>
          <h3>{groupTitle(group)}</h3>
          <ul>
            {items.map((item) => (
              <li key={`${item.name}=${item.value}`} data-removed={item.removed ? "yes" : "no"}>
                <span className="tag-name">{item.name}</span>: <span className="tag-value">{item.value}</span>
                {item.lat !== undefined && item.lon !== undefined ? (
                  <>
                    {" "}
                    (<a href={mapLink(item.lat, item.lon)} rel="noopener noreferrer" target="_blank">
                      {t("on a map")}
                    </a>
                    )
                  </>
                ) : null}{" "}
                <span className={item.removed ? "removed" : "error"}>
                  — {item.removed ? t("removed from the public copies") : t("still in the public copies")}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
