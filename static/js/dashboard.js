// The invigilator's live dashboard.  It shows what the server reports and sends controls; the
// server checks every control.  (The projector view has its own script: projector.js.)
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("live-texts").textContent);
  var sessionId = Number(root.dataset.session);
  var socket = io("/live", { transports: ["websocket"] });
  var state = { roster: [], questions: [], status: {}, distribution: {} };
  var deadlineAt = null;
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };

  function fmt(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }

  // --- timer -------------------------------------------------------------------------------------
  // The server's remaining time, counted down locally; while paused it stands still.
  var remainingAt = null;
  function setRemaining(seconds) {
    var unknown = seconds === null || seconds === undefined;
    deadlineAt = unknown ? null : performance.now() + seconds * 1000;
    remainingAt = unknown ? null : seconds;
    showTime();
  }
  function showTime() {
    var box = $("timer");
    if (!box) { return; }
    if (deadlineAt === null) { box.textContent = "—"; return; }
    var paused = state.status.status === "paused";
    var left = Math.max(0, Math.round(paused ? remainingAt : (deadlineAt - performance.now()) / 1000));
    box.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }
  setInterval(showTime, 250);

  // --- painting -----------------------------------------------------------------------------------
  function judgeWord(letters) {
    return letters === "T" ? T["true"] : letters === "F" ? T["false"] : letters;
  }
  function currentQuestion() {
    var id = state.status.current_question_id;
    return state.questions.filter(function (q) { return q.id === id; })[0];
  }
  function paintStatus() {
    var closed = state.status.status === "running" && state.status.mode === "paced" && !state.status.question_open
      && state.status.current_question_id;
    $("status-text").textContent = closed ? T.status_closed : (T["status_" + state.status.status] || "—");
    setRemaining(state.status.remaining);
    var question = currentQuestion();
    $("standings").hidden = !state.status.status || state.status.status === "lobby";
    $("distribution-box").hidden = !question;
    var box = $("current-question");
    box.innerHTML = "";
    if (question) {
      var stem = document.createElement("p");
      stem.className = "stem";
      stem.textContent = question.position + ". " + question.stem;
      box.appendChild(stem);
      var key = document.createElement("p");
      key.className = "hint";
      key.textContent = T.key + ": " + judgeWord(question.answer);
      box.appendChild(key);
    }
    document.querySelectorAll("[data-action]").forEach(function (button) {
      var s = state.status.status;
      var allowed = {
        start: s === "lobby", next: s === "running" && state.status.mode === "paced",
        close: s === "running" && state.status.question_open, pause: s === "running", resume: s === "paused",
        extend: s === "running" || s === "paused", announce: s !== "ended", end: s !== "ended"
      }[button.dataset.action];
      button.disabled = !allowed;
    });
  }
  function timed() { return state.status.mode === "timed"; }
  // A timed paper has no open question: the count is of the trainees who handed in (交卷).
  function paintCounts() {
    if (!state.counts) { return; }
    var handedIn = state.roster.filter(function (r) { return r.finished && !r.removed; }).length;
    $("answered-count").textContent = timed() ? handedIn : state.counts.answered;
    $("connected-count").textContent = state.counts.connected;
    if ($("answered-label")) { $("answered-label").textContent = timed() ? T.handed_in_count : T.answered_count; }
    if ($("progress-heading")) { $("progress-heading").textContent = timed() ? T.progress_heading : T.current_heading; }
  }
  function progressText(r) {
    if (!timed()) { return r.answered_current ? "✓ " + T.answered : "—"; }
    return r.answered + " / " + r.questions + (r.finished ? " · " + T.handed_in_short : "");
  }
  function paintRoster() {
    paintCounts();
    var tbody = document.querySelector("#roster tbody");
    if (!tbody) { paintScores(); return; }
    var filter = ($("roster-filter") || {}).value || "all";
    var sortKey = ($("roster-sort") || {}).value || "employee_no";
    var rows = state.roster.slice().sort(function (a, b) {
      if (sortKey === "total" || sortKey === "tab_switches") { return Number(b[sortKey]) - Number(a[sortKey]); }
      return String(a[sortKey]).localeCompare(String(b[sortKey]), "zh-CN");
    });
    tbody.innerHTML = "";
    rows.forEach(function (r) {
      if (filter === "disconnected" && r.connected) { return; }
      if (filter === "unanswered" && (timed() ? r.finished : r.answered_current)) { return; }
      if (filter === "tab" && !r.tab_switches) { return; }
      var tr = document.createElement("tr");
      tr.dataset.participant = r.participant_id;
      if (!r.connected || r.removed) { tr.className = "muted"; }
      if (r.tab_switches) { tr.className += " warn"; }
      tr.appendChild(cell(r.employee_no));
      var name = cell(r.name);
      if (r.extra_seconds) {
        var badge = document.createElement("span");
        badge.className = "badge extra-time";
        badge.textContent = fmt(state.status.mode === "paced" ? T.extra_each : T.extra_paper, { n: r.extra_seconds });
        name.appendChild(document.createTextNode(" "));
        name.appendChild(badge);
      }
      tr.appendChild(name);
      tr.appendChild(cell(r.branch));
      tr.appendChild(cell(r.removed ? "✕" : r.connected ? "● " + T.connected : "○ " + T.disconnected,
        r.connected ? "ok" : "bad"));
      tr.appendChild(cell(progressText(r), timed() ? "num progress" : "progress"));
      tr.appendChild(cell(Number(r.total), "num"));
      tr.appendChild(cell(r.tab_switches, "num"));
      var actions = document.createElement("td");
      actions.className = "row-actions";
      if (!r.removed && state.status.status !== "ended") {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = "✕ " + T.remove;
        remove.title = fmt(T.remove_title, { name: r.name });
        remove.addEventListener("click", function () {
          if (window.confirm(T.confirm_remove + "\n" + r.name)) {
            control({ action: "remove", participant_id: r.participant_id });
          }
        });
        actions.appendChild(remove);
        var extra = document.createElement("button");
        extra.type = "button";
        extra.className = "link";
        extra.textContent = state.status.mode === "paced" ? T.extend_each : T.extend_paper;
        extra.title = T.extend_title;
        extra.addEventListener("click", function () {
          control({ action: "extend", seconds: 30, participant_id: r.participant_id });
        });
        actions.appendChild(extra);
      }
      tr.appendChild(actions);
      tbody.appendChild(tr);
    });
    paintScores();
  }
  // The server keeps the standings (grading.Leaderboard) and sends the top ten and histogram.
  function paintScores() {
    var board = $("leaderboard");
    if (board && !board.hidden) {
      board.innerHTML = "";
      (state.leaderboard || []).forEach(function (entry) {
        var li = document.createElement("li");
        li.value = entry.rank;
        li.textContent = entry.name + " · " + Number(entry.total);
        board.appendChild(li);
      });
    }
    if (typeof Chart === "undefined" || !$("histogram-chart") || !state.histogram) { return; }
    var labels = state.histogram.map(function (_count, i) { return (i * 10) + "–" + ((i + 1) * 10) + "%"; });
    draw("histogram", "histogram-chart", labels, state.histogram);
  }
  function paintDistribution() {
    if (typeof Chart === "undefined" || !$("distribution-chart")) { return; }
    var keys = Object.keys(state.distribution || {});
    draw("distribution", "distribution-chart", keys.map(judgeWord), keys.map(function (k) { return state.distribution[k]; }));
  }
  function draw(name, canvasId, labels, values) {
    if (!charts[name]) {
      charts[name] = new Chart($(canvasId), {
        type: "bar",
        data: { labels: labels, datasets: [{ data: values, backgroundColor: "#5b8def" }] },
        options: { animation: false, plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      return;
    }
    charts[name].data.labels = labels;
    charts[name].data.datasets[0].data = values;
    charts[name].update();
  }
  // Alerts are a list the invigilator can dismiss one by one, never a flood of modals.  A lost
  // connection's alert is keyed by the trainee: when she is back it turns into a "back" note.
  function alert(text, key, kind) {
    var box = $("alerts");
    if (!box) { return null; }
    var p = document.createElement("p");
    p.className = "flash " + (kind || "flash-error");
    if (key) { p.dataset.key = key; }
    var words = document.createElement("span");
    words.textContent = text;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "link dismiss";
    dismiss.textContent = "✕";
    dismiss.title = T.dismiss;
    dismiss.setAttribute("aria-label", T.dismiss + ": " + text);
    dismiss.addEventListener("click", function () { p.remove(); });
    p.appendChild(words);
    p.appendChild(dismiss);
    box.prepend(p);
    while (box.children.length > 50) { box.removeChild(box.lastChild); }
    return p;
  }
  function keyedAlert(key) {
    return document.querySelector("#alerts [data-key='" + key + "']");
  }
  function applyDashboard(snapshot) {
    state.roster = snapshot.roster;
    state.questions = snapshot.questions;
    state.status = snapshot.status;
    state.distribution = snapshot.distribution || {};
    state.counts = snapshot.counts;
    state.leaderboard = snapshot.leaderboard;
    state.histogram = snapshot.histogram;
    paintStatus();
    paintRoster();
    paintDistribution();
  }

  // --- controls -----------------------------------------------------------------------------------
  function refresh() {
    socket.emit("watch", { session_id: sessionId }, function (ack) { if (ack && ack.ok) { applyDashboard(ack.state); } });
  }
  // Every count, row mark and chart belongs to the question that is open: when another question
  // opens, what was counted for the previous one is cleared at once, not when answers come in.
  function startQuestion(question) {
    state.roster.forEach(function (row) { row.answered_current = false; });
    if (state.counts) { state.counts.answered = 0; }
    var letters = !question ? [] : question.type === "judge" ? ["T", "F"] : Object.keys(question.options).sort();
    state.distribution = {};
    letters.forEach(function (letter) { state.distribution[letter] = 0; });
    paintCounts();
    paintDistribution();
  }
  function takeStatus(status) {
    var previous = state.status.current_question_id;
    state.status = status;
    if (status.current_question_id !== previous && previous !== undefined && state.questions.length) {
      startQuestion(currentQuestion());
    }
    // The questions are frozen when the exam starts: fetch them once they exist.
    if (!state.questions.length && status.status !== "lobby") { refresh(); return; }
    paintStatus();
    paintRoster();
  }
  function control(data) {
    data.session_id = sessionId;
    socket.emit("control", data, function (ack) {
      if (ack && ack.ok) {
        takeStatus(ack.status);
      } else {
        var code = ack && ack.error && ack.error.code;
        alert(T["error_" + code] || T.error_other);
      }
    });
  }
  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.action;
      if (action === "end" && !window.confirm(T.confirm_end)) { return; }
      if (action === "announce") {
        $("announce-form").hidden = false;
        $("announce-sent").hidden = true;
        $("announce-text").focus();
        return;
      }
      var data = { action: action };
      if (button.dataset.seconds) { data.seconds = Number(button.dataset.seconds); }
      control(data);
    });
  });
  // 发布通知: written in the page (no window.prompt), sent on Enter or the button.
  if ($("announce-form")) {
    $("announce-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("announce-text").value.trim();
      if (!text) { $("announce-text").focus(); return; }
      socket.emit("control", { session_id: sessionId, action: "announce", text: text }, function (ack) {
        if (ack && ack.ok) {
          $("announce-text").value = "";
          $("announce-sent").hidden = false;
        } else {
          var code = ack && ack.error && ack.error.code;
          alert(T["error_" + code] || T.error_other);
        }
      });
    });
    $("announce-cancel").addEventListener("click", function () { $("announce-form").hidden = true; });
  }
  var filter = $("roster-filter");
  if (filter) { filter.addEventListener("change", paintRoster); }
  if ($("roster-sort")) { $("roster-sort").addEventListener("change", paintRoster); }

  // --- events -------------------------------------------------------------------------------------
  socket.on("connect", refresh);
  // Signed out on the server (logout elsewhere, password or account changed): to the login page.
  function signedOut() { window.location.assign("/login"); }
  socket.on("signed_out", signedOut);
  socket.on("disconnect", function (reason) { if (reason === "io server disconnect") { signedOut(); } });
  socket.on("status", takeStatus);
  socket.on("roster_changed", function (data) {
    var byId = {};
    data.changed.forEach(function (r) {
      var before = state.roster.filter(function (old) { return old.participant_id === r.participant_id; })[0];
      var key = "connection-" + r.participant_id;
      if (before && before.connected && !r.connected && !r.removed) {
        if (keyedAlert(key)) { keyedAlert(key).remove(); }
        alert(fmt(T.dropped, { name: r.name }), key);
      } else if (before && !before.connected && r.connected && keyedAlert(key)) {
        keyedAlert(key).remove();
        alert(fmt(T.reconnected, { name: r.name }), key, "flash-success");
      }
      byId[r.participant_id] = r;
    });
    state.roster = state.roster.map(function (row) { return byId[row.participant_id] || row; });
    paintRoster();
  });
  socket.on("counts", function (numbers) { state.counts = numbers; paintCounts(); });
  socket.on("progress", function (data) {
    if (data.question_id !== (state.status.current_question_id || null)) { return; }  // the previous question's
    var byId = {};
    data.changed.forEach(function (row) { byId[row.participant_id] = row; });
    state.roster = state.roster.map(function (row) { return byId[row.participant_id] || row; });
    state.distribution = data.distribution;
    state.counts = data.counts;
    state.leaderboard = data.leaderboard;
    state.histogram = data.histogram;
    paintRoster();
    paintDistribution();
  });
  socket.on("question_closed", function (data) {
    state.status.question_open = false;
    state.status.remaining = null;  // one clock: the server's stopped for this question
    state.distribution = data.distribution;
    paintStatus();
    paintDistribution();
  });
  socket.on("alert", function (data) {
    var who = state.roster.filter(function (r) { return r.participant_id === data.participant_id; })[0];
    var name = who ? who.name : "#" + data.participant_id;
    var text = data.submitted ? T.submitted_alert : data.tab_switches === 1 ? T.tab_switch_once : T.tab_switch;
    alert(fmt(text, { name: name, n: data.tab_switches }));
    if (who) { who.tab_switches = data.tab_switches; paintRoster(); }
  });
}());
