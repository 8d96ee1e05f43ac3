// Attaché: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // On a phone the menu is a strip that scrolls sideways: bring the
    // current area into view.
    var cur = document.querySelector('.rail a[aria-current="page"]');
    var strip = cur && cur.closest("ul");
    if (strip && cur.getBoundingClientRect().right > strip.getBoundingClientRect().right) {
      strip.scrollLeft += cur.getBoundingClientRect().left - strip.getBoundingClientRect().left - 16;
    }
    // One-time secrets are selected on focus, ready to copy.
    document.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
  });
  // Forms with data-confirm ask before they submit.
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      ev.preventDefault();
    }
  }, true);
})();
