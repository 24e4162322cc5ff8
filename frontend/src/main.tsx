import { type ComponentType, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";
import type { Viewer } from "./api";
import { t } from "./lib/i18n";

type PageModule = { default: ComponentType<{ props: any; viewer: Viewer }> };

// Each page is its own chunk, so the home page never downloads hls.js or tus-js-client.
const pages: Record<string, () => Promise<PageModule>> = {
  home: () => import("./pages/Home"),
  watch: () => import("./pages/Watch"),
  embed: () => import("./pages/Embed"),
  search: () => import("./pages/Search"),
  channel: () => import("./pages/Channel"),
  playlist: () => import("./pages/Playlist"),
  actions: () => import("./pages/Actions"),
  upload: () => import("./pages/Upload"),
  "my-media": () => import("./pages/MyMedia"),
  verification: () => import("./pages/Verification"),
  editor: () => import("./pages/Editor"),
  corrections: () => import("./pages/Corrections"),
  verify: () => import("./pages/Verify"),
  edit: () => import("./pages/Edit"),
  categories: () => import("./pages/Categories"),
  tags: () => import("./pages/Tags"),
};

function readJson(id: string | undefined): any {
  const node = id ? document.getElementById(id) : null;
  return node?.textContent ? JSON.parse(node.textContent) : {};
}

async function boot(): Promise<void> {
  const root = document.getElementById("op-page");
  const load = root?.dataset.page ? pages[root.dataset.page] : undefined;
  if (!root || !load) return;
  const props = readJson(root.dataset.props);
  const viewer: Viewer = { username: "", is_editor: false, can_publish: false, ...readJson("op-viewer") };
  try {
    const { default: Page } = await load();
    createRoot(root).render(
      <StrictMode>
        <Page props={props} viewer={viewer} />
      </StrictMode>,
    );
  } catch {
    root.innerHTML = "";
    const p = document.createElement("p");
    p.className = "notice error";
    p.setAttribute("role", "alert");
    p.textContent = t("This page could not load. Check your connection and reload.");
    root.append(p);
  }
}

void boot();
