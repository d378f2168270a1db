// Small behaviours of every page, from data-* attributes: the Content-Security-Policy allows no
// inline scripts, handlers (onclick=...) or style attributes, so pages declare and this acts.
//   data-confirm="question"  on a form (on submit) or a button (on click): ask first
//   data-print               on a button: print the page
//   data-width="42.5"        a bar's width in percent
//   data-indent="2.1"        left padding in em (a tree's depth)
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button[data-confirm], button[data-print]") : null;
    if (!target) return;
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (!window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  function layout(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = parseFloat(el.dataset.width) + "%";
    });
    root.querySelectorAll("[data-indent]").forEach(function (el) {
      el.style.paddingLeft = parseFloat(el.dataset.indent) + "em";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { layout(document); });
  } else {
    layout(document);
  }
})();
