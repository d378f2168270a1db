// The documents page: follow the issuing job's progress until it ends, then reload the list.
(function () {
  "use strict";
  const box = document.getElementById("issue-progress");
  if (!box || !["queued", "running"].includes(box.dataset.state)) return;
  const bar = document.getElementById("issue-bar");
  const count = document.getElementById("issue-count");
  async function poll() {
    const response = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
    if (!response.ok) return;
    const progress = await response.json();
    bar.max = progress.total || 1;
    bar.value = progress.done;
    count.textContent = progress.done + " / " + progress.total;
    if (progress.state === "done" || progress.state === "failed" || progress.interrupted) {
      window.location.reload();
    } else {
      window.setTimeout(poll, 1000);
    }
  }
  window.setTimeout(poll, 1000);
})();
