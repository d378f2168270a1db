// The paper builder: search and filter the bank's questions, keep a running count per type and
// the total marks in view, and reorder the paper's questions.  The form posts as without it.
(function () {
  "use strict";
  const form = document.getElementById("paper-builder");
  if (!form) return;
  const picked = document.getElementById("paper-questions");
  const candidates = document.getElementById("candidates");
  const search = document.getElementById("builder-search");
  const type = document.getElementById("builder-type");
  const tag = document.getElementById("builder-tag");
  const openAll = document.getElementById("builder-open-all");
  const shown = document.getElementById("builder-shown");
  const none = document.getElementById("builder-none");

  function points(item) {
    const own = item.querySelector("input[name^='points_']");
    const value = parseFloat(own && own.value.trim() ? own.value : item.dataset.defaultPoints);
    return Number.isFinite(value) ? value : 0;
  }

  function summarise() {
    const chosen = [];
    picked.querySelectorAll(":scope > li").forEach(function (item) {
      if (!item.querySelector("input[name='drop']").checked) chosen.push(item);
    });
    candidates.querySelectorAll(":scope > li").forEach(function (item) {
      if (item.querySelector("input[name='add']").checked) chosen.push(item);
    });
    const counts = {judge: 0, single: 0, multi: 0};
    let total = 0;
    chosen.forEach(function (item) {
      counts[item.dataset.type] += 1;
      total += points(item);
    });
    document.getElementById("summary-count").textContent = String(chosen.length);
    Object.keys(counts).forEach(function (key) {
      form.querySelector("[data-summary-type='" + key + "']").textContent = String(counts[key]);
    });
    document.getElementById("summary-total").textContent = String(Math.round(total * 100) / 100);
  }

  function filter() {
    if (!search) return;
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const wantType = type.value;
    const wantTag = tag ? tag.value : "";
    let visible = 0;
    const items = candidates.querySelectorAll(":scope > li");
    items.forEach(function (item) {
      const match = (!wantType || item.dataset.type === wantType)
        && (!wantTag || item.dataset.tags.split("\n").includes(wantTag))
        && words.every(function (word) { return item.dataset.text.includes(word); });
      // A question already ticked stays in view: hiding it would hide what will be saved.
      item.hidden = !match && !item.querySelector("input[name='add']").checked;
      if (!item.hidden) visible += 1;
    });
    shown.textContent = shown.dataset.template.replace("{shown}", visible).replace("{total}", items.length);
    none.hidden = visible > 0;
  }

  picked.addEventListener("click", function (event) {
    const button = event.target.closest("button.move-up, button.move-down");
    if (!button) return;
    const item = button.closest("li");
    if (button.classList.contains("move-up") && item.previousElementSibling) {
      picked.insertBefore(item, item.previousElementSibling);
    } else if (button.classList.contains("move-down") && item.nextElementSibling) {
      picked.insertBefore(item.nextElementSibling, item);
    }
    button.focus();
  });
  form.addEventListener("change", summarise);
  form.addEventListener("input", function (event) {
    if (event.target.name && event.target.name.startsWith("points_")) summarise();
  });
  if (search) {
    search.addEventListener("input", filter);
    type.addEventListener("change", filter);
    if (tag) tag.addEventListener("change", filter);
    openAll.addEventListener("change", function () {
      candidates.querySelectorAll("details").forEach(function (details) { details.open = openAll.checked; });
    });
    // Enter in the search box filters; it must not post the form.
    search.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
  }
  filter();
  summarise();
})();
