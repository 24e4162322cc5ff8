// Light, dark or the system's theme, applied before the first paint (loaded without defer in
// <head>, media_app/templates/media_app/base.html): the choice (localStorage "op-theme") gives
// <html data-theme> its resolved value and data-theme-choice; the header's buttons
// (_theme_toggle.html) change it. A file of ours, so the pages' CSP stays script-src 'self'
// with no inline script and no nonce.
(function () {
  var root = document.documentElement, key = "op-theme";
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function choice() {
    var c = null;
    try { c = window.localStorage.getItem(key); } catch (e) {}
    return c === "light" || c === "dark" ? c : "system";
  }
  function apply() {
    var c = choice();
    root.setAttribute("data-theme-choice", c);
    root.setAttribute("data-theme", c === "system" ? (dark && dark.matches ? "dark" : "light") : c);
    var buttons = document.querySelectorAll("[data-set-theme]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-set-theme") === c));
    }
  }
  apply();
  if (dark && dark.addEventListener) dark.addEventListener("change", apply);
  document.addEventListener("DOMContentLoaded", apply);
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-set-theme]") : null;
    if (!button) return;
    try { window.localStorage.setItem(key, button.getAttribute("data-set-theme")); } catch (e) {}
    apply();
  });
  window.addEventListener("storage", function (event) { if (event.key === key) apply(); });
})();
