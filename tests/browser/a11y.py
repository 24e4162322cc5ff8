"""Keyboard accessibility of a page, as Chromium sees it.

:func:`keyboard_walk` presses Tab until the focus comes back round, and records for each stop
whether the focus is visible (an outline or ring of at least 2 px) and the element's accessible
name, computed by Chromium's own accessibility tree (through the DevTools protocol), so the
check agrees with what a screen reader announces. It also lists every visible control of the
page before the walk, so a control the Tab key never reaches is reported by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_MARK_CONTROLS = """() => {
  // The content of a closed <details> (all but its summary) is not rendered: not a Tab stop.
  const inClosedDetails = (el) => {
    const closed = 'details:not([open])';
    for (let d = el.closest(closed); d; d = d.parentElement?.closest(closed)) {
      const summary = d.querySelector(':scope > summary');
      if (!summary || !summary.contains(el)) return true;
    }
    return false;
  };
  const all = [...document.querySelectorAll(
    'a[href], button, input, select, textarea, video[controls], [tabindex]')];
  const controls = all.filter((el) => !el.disabled && el.tabIndex >= 0
    && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('[inert], [aria-hidden="true"]') && !inClosedDetails(el));
  return controls.map((el, i) => {
    el.setAttribute('data-a11y-control', String(i));
    return el.outerHTML.slice(0, 100);
  });
}"""

_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  for (const old of document.querySelectorAll('[data-a11y-focus]')) {
    old.removeAttribute('data-a11y-focus');
  }
  el.setAttribute('data-a11y-focus', '');
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  return {
    control: el.getAttribute('data-a11y-control'),
    html: el.outerHTML.slice(0, 100),
    visible_focus: (outline || ring) && box.width > 0 && box.height > 0,
  };
}"""


@dataclass
class Stop:
    html: str
    control: str | None
    visible_focus: bool
    role: str
    name: str


@dataclass
class Walk:
    controls: list[str]
    stops: list[Stop] = field(default_factory=list)

    @property
    def unreached(self) -> list[str]:
        reached = {s.control for s in self.stops}
        return [html for i, html in enumerate(self.controls) if str(i) not in reached]

    @property
    def without_visible_focus(self) -> list[str]:
        return [s.html for s in self.stops if not s.visible_focus]

    @property
    def without_name(self) -> list[str]:
        return [s.html for s in self.stops if not s.name.strip()]

    def names(self) -> list[str]:
        return [s.name for s in self.stops]


def _accessible(cdp, selector: str) -> tuple[str, str]:
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    tree = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    for ax in tree["nodes"]:
        if not ax.get("ignored"):
            return ax.get("role", {}).get("value", ""), str(ax.get("name", {}).get("value", ""))
    return "", ""


def keyboard_walk(page, *, max_stops: int = 80) -> Walk:
    """Tab from the top of the page until the focus returns to its first stop."""
    cdp = page.context.new_cdp_session(page)
    try:
        walk = Walk(controls=page.evaluate(_MARK_CONTROLS))
        page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
        first = None
        for _ in range(max_stops):
            page.keyboard.press("Tab")
            probe = page.evaluate(_PROBE)
            if probe is None:  # focus left the document (after the last control): done
                break
            if first is not None and probe["control"] == first and probe["control"] is not None:
                break
            if first is None:
                first = probe["control"]
            role, name = _accessible(cdp, "[data-a11y-focus]")
            walk.stops.append(Stop(role=role, name=name, **probe))
        return walk
    finally:
        cdp.detach()


def assert_keyboard_accessible(page, *, must_reach: list[str]) -> Walk:
    """Every visible control is reached by Tab, shows its focus and has an accessible name; the
    controls named in ``must_reach`` are among them (so an empty page cannot pass)."""
    walk = keyboard_walk(page)
    assert not walk.unreached, f"never reached by Tab: {walk.unreached}"
    assert not walk.without_visible_focus, f"focus not visible on: {walk.without_visible_focus}"
    assert not walk.without_name, f"no accessible name: {walk.without_name}"
    missing = [name for name in must_reach if name not in walk.names()]
    assert not missing, f"not reached by Tab: {missing}; reached: {walk.names()}"
    return walk


# --- axe-core (Deque's rules engine, frontend devDependency) --------------------------------

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core"
AXE_SCRIPT = AXE_SCRIPT / "axe.min.js"


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of the rendered page (WCAG 2.x A/AA rules and best practices) whose
    impact is one of ``impacts``: ``{id, impact, help, nodes: [html...]}``. axe runs through
    the DevTools protocol (``page.evaluate``), which the site's CSP does not restrict."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: run `make frontend` (npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text())
    found = page.evaluate(
        """async () => {
          const r = await window.axe.run(document, {resultTypes: ['violations']});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.html.slice(0, 160))}));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]


def assert_axe_clean(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    bad = axe_violations(page)
    assert not bad, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in bad
    )
