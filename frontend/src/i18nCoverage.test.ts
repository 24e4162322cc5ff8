// Guard for issue 16's "every user-facing string translatable": scans the frontend's sources
// (tests left out) for JSX text and aria-label / title / placeholder / alt / label literals
// that contain letters and are not the argument of a t() call (lib/i18n.ts). Such a string
// would show in English in every language, and scripts/i18n_extract.py would never see it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname);
const ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-description"]);
// Text that reads the same in every language: the brand, codes, units, symbols.
const ALLOWED = new Set(["OpenPress", "C2PA", "SHA", "sha256", "QR", "HLS", "MP4", "WebVTT", "VTT", "SRT", "URL", "en"]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.tsx?$/.test(name) && !/\.test\./.test(name) && !/\.d\.ts$/.test(name) && name !== "api-types.ts")
      out.push(path);
  }
  return out;
}

function insideT(node: ts.Node): boolean {
  for (let up: ts.Node | undefined = node.parent; up; up = up.parent) {
    if (ts.isCallExpression(up) && ts.isIdentifier(up.expression) && up.expression.text === "t") return true;
    if (ts.isJsxElement(up) || ts.isJsxSelfClosingElement(up) || ts.isFunctionLike(up)) return false;
  }
  return false;
}

function needsT(text: string): boolean {
  const words = text.trim();
  if (!/[A-Za-z]{2,}/.test(words)) return false;
  // An address, a host name or a file extension given as an example.
  if (words.includes("://") || /^[\w.-]*\.[a-z]{2,4}$/.test(words)) return false;
  return !words.split(/[\s/·:,()–-]+/).every((w) => w === "" || ALLOWED.has(w) || !/[A-Za-z]{2,}/.test(w));
}

export function untranslated(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${relative(SRC, path)}:${line + 1}: ${JSON.stringify(what.trim())}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && needsT(node.text)) report(node, node.text);
    if (ts.isJsxAttribute(node) && ATTRIBUTES.has(node.name.getText(file)) && node.initializer) {
      const value = ts.isJsxExpression(node.initializer) ? node.initializer.expression : node.initializer;
      if (value && (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value) || ts.isTemplateExpression(value))) {
        // A template's ${...} parts are variables, not text.
        const literal = value.getText(file).slice(1, -1).replace(/\$\{[^}]*\}/g, " ");
        if (needsT(literal) && !insideT(value)) report(node, literal);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("every user-facing string goes through t()", () => {
  it("finds an untranslated JSX text and attribute", () => {
    const found = untranslated(
      join(SRC, "x.tsx"),
      'const a = <p title="Close it">Hello there <b>{t("Fine")}</b></p>;\nconst b = <i aria-label={t("Ok")}>OpenPress</i>;',
    );
    expect(found.sort()).toEqual(['x.tsx:1: "Close it"', 'x.tsx:1: "Hello there"']);
  });

  it("has none in frontend/src", () => {
    const found = sources(SRC).flatMap((path) => untranslated(path, readFileSync(path, "utf-8")));
    expect(found, `wrap these in t() (frontend/src/lib/i18n.ts):\n${found.join("\n")}`).toEqual([]);
  });
});
