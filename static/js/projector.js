// The projector view: the room's main screen.  It watches the session like the dashboard does
// (an invigilator's connection; the server checks who may) and shows only what the room may
// see: never a key while a question is open, and the key only when the paper shows it after
// each question.  Names come from the page (projector-names) as the paper's privacy setting
// shows them.  Protocol: docs/protocol.md.
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("live-texts").textContent);
  var names = JSON.parse(document.getElementById("projector-names").textContent);
  var sessionId = Number(root.dataset.session);
  var showKeyAfterQuestion = root.dataset.showKey === "after_question";
  if (root.dataset.status === "ended") { return; }  // the end screen is the page itself
  var $ = function (id) { return document.getElementById(id); };
  var socket = io("/live", { transports: ["websocket"] });
  var state = { roster: [], questions: [], status: {}, counts: null, distribution: null, leaderboard: [] };
  var LEADIN_SECONDS = 3;
  var leadIn = null;  // {question id, ends at (performance.now ms)} while the 3-2-1 runs
  var topToggle = $("show-top");
  try { topToggle.checked = window.localStorage.getItem("examhall-projector-top") === "1"; } catch (e) { /* private mode */ }
  topToggle.addEventListener("change", function () {
    try { window.localStorage.setItem("examhall-projector-top", topToggle.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    paintView();
  });
  var deadlineAt = null;

  function fmt(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function judgeWord(letter) { return letter === "T" ? T["true"] : letter === "F" ? T["false"] : letter; }

  // --- the clock: the server's remaining seconds, counted down here; still while paused ------------
  var remainingAt = null;
  function setRemaining(seconds) {
    var unknown = seconds === null || seconds === undefined;
    deadlineAt = unknown ? null : performance.now() + seconds * 1000;
    remainingAt = unknown ? null : seconds;
    tick();
  }
  function tick() {
    var box = $("timer");
    box.hidden = deadlineAt === null;
    if (deadlineAt === null) { return; }
    var paused = state.status.status === "paused";
    var left = Math.max(0, Math.round(paused ? remainingAt : (deadlineAt - performance.now()) / 1000));
    box.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    box.classList.toggle("urgent", left <= 10);
  }
  setInterval(tick, 250);

  // --- painting -------------------------------------------------------------------------------------
  function present() { return state.roster.filter(function (r) { return r.connected && !r.removed; }); }
  function show(id) {
    ["lobby", "question", "waiting", "leadin"].forEach(function (name) { $(name).hidden = name !== id; });
  }
  function currentQuestion() {
    var id = state.status.current_question_id;
    return state.questions.filter(function (q) { return q.id === id; })[0];
  }
  // paint: after news from the server (its remaining seconds set the clock); paintView: the
  // screen alone (the lead-in's ticks, the top-5 switch), leaving the running clock as it is.
  function paint() {
    if (state.status.status === "ended") { window.location.reload(); return; }
    setRemaining(state.status.remaining);
    paintView();
  }
  function paintView() {
    var status = state.status.status;
    var question = currentQuestion();
    var closed = question && !state.status.question_open;
    $("status-text").textContent = closed ? T.status_closed : (T["status_" + status] || "");
    paintCounts();
    if (status === "lobby") { show("lobby"); paintJoined(); return; }
    if (question && leadIn && leadIn.question === question.id && !closed && status === "running") {
      paintLeadIn(question);
      return;
    }
    if (question && state.status.mode === "paced") { show("question"); paintQuestion(question, closed); return; }
    show("waiting");
    $("waiting-text").textContent = status === "paused" ? T.paused
      : state.status.mode === "timed" ? T.timed_running : T.starting;
  }
  function paintLeadIn(question) {
    show("leadin");
    $("leadin-head").textContent = fmt(T.question_n, { n: question.position, total: state.questions.length }) +
      " · " + T["type_" + question.type];
    $("leadin-count").textContent = String(Math.max(1, Math.ceil((leadIn.ends - performance.now()) / 1000)));
  }
  function startLeadIn(questionId) {
    leadIn = { question: questionId, ends: performance.now() + LEADIN_SECONDS * 1000 };
    var timer = setInterval(function () {
      if (!leadIn || leadIn.question !== questionId || performance.now() >= leadIn.ends) {
        clearInterval(timer);
        if (leadIn && leadIn.question === questionId) { leadIn = null; }
      }
      paintView();
    }, 100);
  }
  function paintTop(closed) {
    var box = $("question-top");
    var entries = (state.leaderboard || []).slice(0, 5);
    box.hidden = !(closed && topToggle.checked && entries.length);
    $("question").classList.toggle("with-top", !box.hidden);
    if (box.hidden) { return; }
    var list = $("top-list");
    list.innerHTML = "";
    entries.forEach(function (entry) {
      var item = el("li", "rank-" + entry.rank);
      item.appendChild(el("span", "rank", String(entry.rank)));
      item.appendChild(el("span", "who", names[String(entry.participant_id)] || ""));
      item.appendChild(el("span", "score", String(Number(entry.total))));
      list.appendChild(item);
    });
  }
  function paintCounts() {
    var lobby = state.status.status === "lobby";
    var here = present().length;
    var roster = state.roster.filter(function (r) { return !r.removed; }).length;
    $("answered-label").textContent = lobby ? T.joined : state.status.mode === "timed" ? T.handed_in_count : T.answered_count;
    var answered = state.status.mode === "timed"
      ? state.roster.filter(function (r) { return r.finished && !r.removed; }).length
      : (state.counts ? state.counts.answered : 0);
    $("answered-count").textContent = lobby ? here : answered;
    $("connected-count").textContent = lobby ? roster : (state.counts ? state.counts.connected : here);
  }
  function paintJoined() {
    var list = $("joined");
    var here = present();
    $("joined-count").textContent = here.length;
    list.innerHTML = "";
    here.forEach(function (r) { list.appendChild(el("li", "", names[String(r.participant_id)] || "")); });
  }
  function paintQuestion(question, closed) {
    $("question-head").textContent = fmt(T.question_n, { n: question.position, total: state.questions.length }) +
      " · " + T["type_" + question.type];
    $("question-stem").textContent = question.stem;
    var letters = question.type === "judge" ? ["T", "F"] : Object.keys(question.options).sort();
    var reveal = closed && showKeyAfterQuestion && state.distribution;
    var most = 1;
    if (reveal) { letters.forEach(function (l) { most = Math.max(most, state.distribution[l] || 0); }); }
    var list = $("question-options");
    list.innerHTML = "";
    list.classList.toggle("with-bars", Boolean(reveal));
    letters.forEach(function (letter) {
      var item = el("li", "projector-option");
      item.dataset.letter = letter;
      if (question.type !== "judge") { item.appendChild(el("b", "letter", letter)); }
      item.appendChild(el("span", "text", question.type === "judge" ? judgeWord(letter) : question.options[letter]));
      if (reveal) {
        var count = state.distribution[letter] || 0;
        var bar = el("span", "bar");
        bar.style.width = (100 * count / most) + "%";  // CSSOM, allowed under the page's CSP
        item.appendChild(el("span", "bar-track")).appendChild(bar);
        item.appendChild(el("span", "count", String(count)));
        if (question.answer.indexOf(letter) >= 0) { item.classList.add("is-key"); }
      }
      list.appendChild(item);
    });
    $("question-closed").hidden = !closed;
    paintTop(closed);
  }

  // --- the feed -------------------------------------------------------------------------------------
  function refresh() {
    socket.emit("watch", { session_id: sessionId }, function (ack) {
      if (!ack || !ack.ok) { return; }
      var snapshot = ack.state;
      state.roster = snapshot.roster;
      state.questions = snapshot.questions;
      state.status = snapshot.status;
      state.counts = snapshot.counts;
      state.distribution = snapshot.distribution || null;
      state.leaderboard = snapshot.leaderboard || [];
      paint();
    });
  }
  socket.on("connect", refresh);
  function signedOut() { window.location.assign("/login"); }
  socket.on("signed_out", signedOut);
  socket.on("disconnect", function (reason) { if (reason === "io server disconnect") { signedOut(); } });
  socket.on("status", function (status) {
    var moved = status.current_question_id !== state.status.current_question_id;
    state.status = status;
    if (moved) { state.distribution = null; if (state.counts) { state.counts.answered = 0; } }
    if (moved && status.question_open && status.status === "running" && status.mode === "paced") {
      startLeadIn(status.current_question_id);
    }
    if (!state.questions.length && status.status !== "lobby") { refresh(); return; }  // frozen at the start
    paint();
  });
  socket.on("roster_changed", function (data) {
    var byId = {};
    data.changed.forEach(function (r) { byId[r.participant_id] = r; });
    state.roster = state.roster.map(function (row) { return byId[row.participant_id] || row; });
    paintCounts();
    if (state.status.status === "lobby") { paintJoined(); }
  });
  socket.on("counts", function (numbers) { state.counts = numbers; paintCounts(); });
  socket.on("progress", function (data) {
    if (data.question_id !== (state.status.current_question_id || null)) { return; }
    var byId = {};
    data.changed.forEach(function (row) { byId[row.participant_id] = row; });
    state.roster = state.roster.map(function (row) { return byId[row.participant_id] || row; });
    state.counts = data.counts;
    if (data.leaderboard) { state.leaderboard = data.leaderboard; }
    paintCounts();
  });
  socket.on("question_closed", function (data) {
    state.status.question_open = false;
    state.status.remaining = null;
    state.distribution = data.distribution;
    paint();
    refresh();  // the final counts, even if a progress event raced the question's status
  });
}());
