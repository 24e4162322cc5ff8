import { afterEach, describe, expect, it } from "vitest";
import { resetCatalog, t } from "./i18n";

afterEach(() => {
  document.getElementById("op-i18n")?.remove();
  resetCatalog();
});

function page(catalog: Record<string, string>) {
  const script = document.createElement("script");
  script.id = "op-i18n";
  script.type = "application/json";
  script.textContent = JSON.stringify(catalog);
  document.head.append(script);
}

describe("t", () => {
  it("gives the page catalog's translation, with placeholders filled", () => {
    page({ "{n} views": "{n} مشاهدة", Share: "مشاركة" });
    expect(t("Share")).toBe("مشاركة");
    expect(t("{n} views", { n: 3 })).toBe("3 مشاهدة");
  });

  it("falls back to the English id, placeholders still filled", () => {
    page({});
    expect(t("Saved to “{title}”.", { title: "Harbour" })).toBe("Saved to “Harbour”.");
    expect(t("{missing} stays", {})).toBe("{missing} stays");
  });

  it("copes with a page without a catalog or with a broken one", () => {
    expect(t("Close")).toBe("Close");
    resetCatalog();
    const script = document.createElement("script");
    script.id = "op-i18n";
    script.type = "application/json";
    script.textContent = "{not json";
    document.head.append(script);
    expect(t("Close")).toBe("Close");
  });
});
