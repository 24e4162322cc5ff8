// User-facing strings of the pages go through t(): the English text is the message id, the
// page's catalog (a JSON script "op-i18n" that Django writes for the active language) gives the
// translation, and {name} placeholders are filled from vars.
type Catalog = Record<string, string>;

let catalog: Catalog | null = null;

function load(): Catalog {
  if (catalog) return catalog;
  const node = typeof document !== "undefined" ? document.getElementById("op-i18n") : null;
  try {
    catalog = node?.textContent ? (JSON.parse(node.textContent) as Catalog) : {};
  } catch {
    catalog = {};
  }
  return catalog;
}

export function t(message: string, vars?: Record<string, string | number>): string {
  const text = load()[message] || message;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** For tests: forget the loaded catalog. */
export function resetCatalog(next: Catalog | null = null): void {
  catalog = next;
}
