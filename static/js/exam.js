// The trainee's exam page.  The server is the clock and the judge: this page shows what the
// server sends, sends answers with a growing sequence number, and shows "saved" only when the
// server has acknowledged that the answer is on disk.  Protocol: docs/protocol.md.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("live-texts").textContent);
  var sessionId = Number(root.dataset.session);
  var body = document.getElementById("exam-body");
  var timerBox = document.getElementById("timer");
  var offline = document.getElementById("offline-banner");
  var announcement = document.getElementById("announcement");
  var cardToggle = document.getElementById("card-toggle");
  var card = document.getElementById("answer-card");
  var handInDialog = document.getElementById("hand-in-dialog");
  var outline = document.getElementById("exam-outline");
  var MARKS = { correct: "✓", partial: "◐", wrong: "✗", unanswered: "–" };

  var state = null;            // the last snapshot from the server
  var answers = {};            // question id -> {choice, seq, status}
  var seq = 0;                 // highest sequence number used
  var deadlineAt = null;       // performance.now() when the time runs out
  var socket = io("/live", { transports: ["websocket"], reconnectionDelayMax: 3000 });

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // --- the clock: remaining seconds from the server, counted down locally ------------------------
  // While the exam is paused the server's remaining time stands still, and so does this one.
  var remainingAt = null;      // the server's remaining seconds, when they arrived (performance.now())
  function setRemaining(seconds) {
    var unknown = seconds === null || seconds === undefined;
    deadlineAt = unknown ? null : performance.now() + seconds * 1000;
    remainingAt = unknown ? null : seconds;
    tick();
  }
  function tick() {
    if (state && state.finished) { timerBox.hidden = true; return; }  // handed in: no clock for this trainee
    timerBox.hidden = deadlineAt === null;
    if (deadlineAt === null) { return; }
    var paused = state && state.session.status === "paused";
    var left = Math.max(0, Math.round(paused ? remainingAt : (deadlineAt - performance.now()) / 1000));
    timerBox.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    timerBox.classList.toggle("urgent", left <= 10);
  }
  setInterval(tick, 250);

  // --- answers ----------------------------------------------------------------------------------
  // final: submitted (提交).  Multiple choice is sent as a draft with each tick and submitted with
  // its button; true/false and single choice are submitted with the tap.
  function send(questionId, choice, final) {
    seq += 1;
    answers[questionId] = { choice: choice, seq: seq, status: "saving", final: final };
    paintStatus(questionId);
    if (socket.connected) { emitAnswer(questionId); }
  }
  function emitAnswer(questionId) {
    var entry = answers[questionId];
    socket.timeout(15000).emit("answer", { question_id: questionId, choice: entry.choice, seq: entry.seq,
                                           final: entry.final !== false },
      function (err, ack) {
        var current = answers[questionId];
        if (err || current.seq !== entry.seq) { return; }   // a newer answer is on its way
        if (ack && ack.ok) {
          current.status = "saved";
        } else {
          current.status = "error";
          current.error = ack && ack.error ? ack.error.code : "other";
        }
        paintStatus(questionId);
      });
  }
  function resendPending() {
    Object.keys(answers).forEach(function (questionId) {
      if (answers[questionId].status === "saving") { emitAnswer(Number(questionId)); }
    });
  }
  function paintStatus(questionId) {
    var box = document.querySelector('[data-status-for="' + questionId + '"]');
    var entry = answers[questionId];
    if (!box || !entry) { return; }
    box.className = "save-status " + entry.status;
    if (entry.status === "saved") { box.textContent = entry.final === false ? T.saved_draft : T.saved; }
    else if (entry.status === "saving") { box.textContent = T.saving; }
    else { box.textContent = T.not_saved + ": " + (T["error_" + entry.error] || T.error_other); }
    box.classList.toggle("draft", entry.final === false);
    document.querySelectorAll('[data-question="' + questionId + '"] [data-letter]').forEach(function (button) {
      button.setAttribute("aria-pressed", entry.choice.indexOf(button.dataset.letter) >= 0 ? "true" : "false");
    });
    var submit = document.querySelector('[data-submit-for="' + questionId + '"]');
    if (submit && !submit.dataset.closed) { submit.disabled = !entry.choice; }
    if (state && !paced()) { paintCard(); }
  }

  // --- rendering --------------------------------------------------------------------------------
  function questionBlock(question, open) {
    var options = question.type === "judge"
      ? [{ letter: "T", text: T["true"] }, { letter: "F", text: T["false"] }]
      : question.options;
    var list = el("div", { "class": "answer-options", role: "group" });
    options.forEach(function (option) {
      var button = el("button", { type: "button", "class": "option", "data-letter": option.letter,
        "aria-pressed": "false" }, [el("b", { text: question.type === "judge" ? "" : option.letter + " " }),
        document.createTextNode(option.text)]);
      button.disabled = !open;
      button.addEventListener("click", function () {
        var previous = (answers[question.id] || {}).choice || "";
        var choice = option.letter;
        if (question.type === "multi") {
          choice = previous.indexOf(option.letter) >= 0 ? previous.replace(option.letter, "") : previous + option.letter;
          choice = choice.split("").sort().join("");
          if (!choice) { return; }
          send(question.id, choice, !paced());   // a timed paper is handed in whole (交卷)
          return;
        }
        send(question.id, choice, true);
      });
      list.appendChild(button);
    });
    var head = el("p", { "class": "question-number" }, [
      el("span", { text: fmt(T.question_n, { n: question.position, total: question.total }) }),
      el("span", { "class": "badge question-type", text: T["type_" + question.type] }),
      el("span", { "class": "pick-hint", text: T["pick_" + question.type] })]);
    var block = el("div", { "class": "live-question", "data-question": question.id, id: "question-" + question.id }, [
      head, el("p", { "class": "stem", text: question.stem })]);
    if (!paced()) { head.appendChild(flagButton(question)); }
    if (question.type === "multi") {
      block.appendChild(el("p", { "class": "hint", text: paced() ? T.multi_hint : T.multi_hint_timed }));
    }
    block.appendChild(list);
    if (question.type === "multi" && paced()) {
      var submit = el("button", { type: "button", "class": "primary submit-answer", "data-submit-for": question.id,
                                  text: T.submit });
      submit.disabled = true;
      if (!open) { submit.dataset.closed = "1"; }
      submit.addEventListener("click", function () {
        var entry = answers[question.id];
        if (entry && entry.choice) { send(question.id, entry.choice, true); }
      });
      block.appendChild(submit);
    }
    block.appendChild(el("p", { "class": "save-status", "data-status-for": question.id, "aria-live": "polite" }));
    return block;
  }
  // --- a timed paper: flags, the answer card (答题卡) and handing in (交卷) -------------------------
  function paced() { return state && state.session.mode === "paced"; }
  var flags = {};              // question id -> true: "come back to this" (the trainee's own note)
  function flagsKey() { return "examhall:flags:" + sessionId + ":" + (state ? state.participant_id : ""); }
  function loadFlags() {
    try { flags = JSON.parse(window.localStorage.getItem(flagsKey()) || "{}"); } catch (_e) { flags = {}; }
  }
  function saveFlags() {
    try { window.localStorage.setItem(flagsKey(), JSON.stringify(flags)); } catch (_e) { /* private mode */ }
  }
  function flagButton(question) {
    var button = el("button", { type: "button", "class": "flag link", "data-flag-for": question.id,
                                "aria-pressed": flags[question.id] ? "true" : "false",
                                text: flags[question.id] ? T.unflag : T.flag });
    button.addEventListener("click", function () {
      if (flags[question.id]) { delete flags[question.id]; } else { flags[question.id] = true; }
      saveFlags();
      button.setAttribute("aria-pressed", flags[question.id] ? "true" : "false");
      button.textContent = flags[question.id] ? T.unflag : T.flag;
      paintCard();
    });
    return button;
  }
  function answered(questionId) { return Boolean(answers[questionId] && answers[questionId].choice); }
  function tally() {
    var questions = state.questions || [];
    var done = questions.filter(function (q) { return answered(q.id); }).length;
    var flagged = questions.filter(function (q) { return flags[q.id]; }).length;
    return { total: questions.length, answered: done, unanswered: questions.length - done, flagged: flagged };
  }
  function paintCard() {
    var showing = Boolean(state && !paced() && !state.finished && (state.questions || []).length &&
                          (state.session.status === "running" || state.session.status === "paused"));
    cardToggle.hidden = !showing;
    if (!showing) { card.hidden = true; return; }
    var numbers = tally();
    cardToggle.textContent = fmt(T.card_toggle, { n: numbers.answered, total: numbers.total });
    card.innerHTML = "";
    card.appendChild(el("p", { "class": "card-legend",
      text: fmt(T.card_legend, { answered: numbers.answered, unanswered: numbers.unanswered, flagged: numbers.flagged }) }));
    var grid = el("ol", { "class": "card-grid" });
    state.questions.forEach(function (question) {
      var state_ = answered(question.id) ? T.card_answered : T.card_unanswered;
      var label = fmt(T.card_cell, { n: question.position, state: state_ }) + (flags[question.id] ? " · " + T.flagged : "");
      var jump = el("button", { type: "button", "data-card-for": question.id, "aria-label": label, title: label,
        "class": "card-cell" + (answered(question.id) ? " answered" : "") + (flags[question.id] ? " flagged" : ""),
        text: String(question.position) });
      jump.addEventListener("click", function () {
        card.hidden = true;
        cardToggle.setAttribute("aria-expanded", "false");
        var target = document.getElementById("question-" + question.id);
        if (target) {
          target.scrollIntoView({ block: "start" });
          var first = target.querySelector("button.option");
          if (first) { first.focus({ preventScroll: true }); }
        }
      });
      grid.appendChild(el("li", {}, [jump]));
    });
    card.appendChild(grid);
    card.appendChild(handInButton());
  }
  cardToggle.addEventListener("click", function () {
    card.hidden = !card.hidden;
    cardToggle.setAttribute("aria-expanded", card.hidden ? "false" : "true");
  });
  function handInButton() {
    var button = el("button", { type: "button", "class": "primary hand-in", text: T.hand_in });
    button.disabled = !state || state.session.status !== "running";
    button.addEventListener("click", askHandIn);
    return button;
  }
  function saving() {
    return Object.keys(answers).some(function (id) { return answers[id].status === "saving"; });
  }
  function askHandIn() {
    var numbers = tally();
    handInDialog.querySelector("[data-hand-in-text]").textContent = numbers.unanswered
      ? fmt(T.hand_in_unanswered, { n: numbers.unanswered, total: numbers.total })
      : fmt(T.hand_in_all, { total: numbers.total });
    handInDialog.querySelector("[data-hand-in-error]").textContent = "";
    handInDialog.querySelector("[data-hand-in-confirm]").disabled = false;
    card.hidden = true;
    handInDialog.showModal();
  }
  // Every answer must be on the server before the paper is handed in: an answer still on its
  // way would be refused as `finished` once it arrives.
  function handIn() {
    var confirm = handInDialog.querySelector("[data-hand-in-confirm]");
    var note = handInDialog.querySelector("[data-hand-in-error]");
    confirm.disabled = true;
    if (saving() || !socket.connected) {
      note.textContent = T.hand_in_waiting;
      window.setTimeout(handIn, 250);
      return;
    }
    socket.timeout(15000).emit("submit", { session_id: sessionId }, function (err, ack) {
      if (!err && ack && ack.ok) {
        state.finished = true;
        state.handed_in = ack;
        handInDialog.close();
        render();
        return;
      }
      confirm.disabled = false;
      var code = !err && ack && ack.error ? ack.error.code : "other";
      note.textContent = T["error_" + code] || T.error_other;
    });
  }
  handInDialog.querySelector("[data-hand-in-confirm]").addEventListener("click", handIn);
  handInDialog.querySelector("[data-hand-in-cancel]").addEventListener("click", function () { handInDialog.close(); });

  function render() {
    body.innerHTML = "";
    paintCard();
    if (!state) { return; }
    var status = state.session.status;
    outline.hidden = !(status === "lobby" || (status === "running" && paced() && !state.question));
    if (state.removed) { body.appendChild(el("p", { "class": "notice", text: T.removed })); return; }
    if (status === "ended") {
      body.appendChild(el("p", { "class": "notice", text: T.ended }));
      if (state.score) {
        var verdict = state.score.passed === null ? "" : " · " + (state.score.passed ? T.passed : T.failed);
        body.appendChild(el("p", { "class": "final-score" + (state.score.passed ? " passed" : " failed"),
          text: T.score + ": " + Number(state.score.total) + verdict }));
        if (state.score.rank) { body.appendChild(rankLine("p", state.score.rank, "final-rank")); }
      }
      if (state.summary) { body.appendChild(summaryGrid(state.summary)); }
      body.appendChild(el("p", {}, [el("a", { "class": "button primary", href: "/my/results/" + state.participant_id,
        text: state.session.show_key !== "never" ? T.review : T.result_link })]));
      setRemaining(null);
      return;
    }
    if (state.finished) {
      setRemaining(null);  // handed in: no clock runs for this trainee any more
      body.appendChild(el("p", { "class": "notice", text: T.finished }));
      if (state.handed_in) {
        body.appendChild(el("p", { "class": "hint", text: fmt(T.handed_in, state.handed_in) }));
      }
      return;
    }
    if (status === "paused") { body.appendChild(el("p", { "class": "notice", text: T.paused })); }
    if (status === "lobby" || (status === "running" && state.session.mode === "paced" && !state.question)) {
      body.appendChild(el("p", { "class": "waiting", text: state.started ? T.starting : T.lobby }));
      return;
    }
    var open = status === "running";
    if (state.session.mode === "paced" && state.question) {
      body.appendChild(questionBlock(state.question, open && state.question_open));
      if (!state.question_open) {
        body.appendChild(el("p", { "class": "notice", text: T.closed }));
        if (state.revealed) {
          var key = state.revealed.key === "T" ? T["true"] : state.revealed.key === "F" ? T["false"] : state.revealed.key;
          body.appendChild(el("p", { "class": "revealed", text: T.key + ": " + key }));
        }
        if (state.result && state.result.question_id === state.question.id) {
          body.appendChild(feedback(state.result));
        }
      }
    } else {
      (state.questions || []).forEach(function (question) { body.appendChild(questionBlock(question, open)); });
      if ((state.questions || []).length) { body.appendChild(el("div", { "class": "hand-in-bar" }, [handInButton()])); }
    }
    Object.keys(answers).forEach(function (questionId) { paintStatus(Number(questionId)); });
    if (paced() && state.question && state.revealed && state.revealed.question_id === state.question.id) {
      markOptions(state.question.id, state.revealed.key);
    }
  }
  // After the question closes (papers that show keys then): the key in green, a wrong pick in red.
  function markOptions(questionId, key) {
    var choice = (answers[questionId] || {}).choice || "";
    document.querySelectorAll('[data-question="' + questionId + '"] [data-letter]').forEach(function (button) {
      var letter = button.dataset.letter;
      button.classList.toggle("is-key", key.indexOf(letter) >= 0);
      button.classList.toggle("is-wrong-pick", choice.indexOf(letter) >= 0 && key.indexOf(letter) < 0);
    });
  }
  function feedback(result) {
    var parts = [el("strong", { text: MARKS[result.outcome] + " " + T["outcome_" + result.outcome] }),
      el("span", { text: fmt(T.points_won, { points: Number(result.points), total: Number(result.total) }) })];
    if (result.rank) { parts.push(rankLine("span", result.rank, "feedback-rank")); }
    return el("div", { "class": "feedback outcome-" + result.outcome, id: "feedback", role: "status" }, parts);
  }
  // Only when the paper shows ranks does the server send one (among those present).
  function rankLine(tag, rank, id) {
    return el(tag, { "class": "rank-line", id: id, text: fmt(T.rank_of, { rank: rank.rank, of: rank.of }) });
  }
  function summaryGrid(summary) {
    var grid = el("ol", { "class": "summary-grid", id: "summary", "aria-label": T.summary_heading });
    summary.forEach(function (line) {
      var label = fmt(T.summary_cell, { n: line.position, outcome: T["outcome_" + line.outcome] });
      grid.appendChild(el("li", { "class": "outcome-" + line.outcome, title: label, "aria-label": label }, [
        el("span", { text: String(line.position) }), el("b", { text: MARKS[line.outcome] })]));
    });
    return el("section", { "class": "summary" }, [el("h2", { text: T.summary_heading }), grid]);
  }
  function applyState(snapshot) {
    state = snapshot;
    loadFlags();
    seq = Math.max(seq, snapshot.last_seq || 0);
    Object.keys(snapshot.answers || {}).forEach(function (questionId) {
      var saved = snapshot.answers[questionId];
      var mine = answers[questionId];
      if (!mine || mine.seq <= saved.seq) {
        answers[questionId] = { choice: saved.choice, seq: saved.seq, status: "saved", final: saved.final };
      }
    });
    setRemaining(snapshot.remaining);
    render();
  }

  // --- the connection ---------------------------------------------------------------------------
  function enter() {
    socket.emit("enter", { session_id: sessionId }, function (ack) {
      if (ack && ack.ok) {
        applyState(ack.state);
        resendPending();
      } else {
        body.innerHTML = "";
        var code = ack && ack.error ? ack.error.code : "other";
        body.appendChild(el("p", { "class": "notice", text: T["error_" + code] || T.error_other }));
      }
    });
  }
  socket.on("connect", function () { offline.hidden = true; enter(); });
  socket.on("disconnect", function () { offline.textContent = T.offline; offline.hidden = false; });
  socket.on("connect_error", function () { offline.textContent = T.offline; offline.hidden = false; });
  // Signed out on the server (logout elsewhere, password or account changed): to the login page.
  function signedOut() { window.location.assign("/login"); }
  socket.on("signed_out", signedOut);
  socket.on("disconnect", function (reason) { if (reason === "io server disconnect") { signedOut(); } });
  socket.on("state", applyState);
  socket.on("started", function () { if (state) { state.session.status = "running"; state.started = true; render(); } });
  socket.on("question", function (data) {
    if (!state) { return; }
    state.session.status = "running";
    state.question = data.question;
    state.question_open = true;
    state.revealed = null;
    state.result = null;
    setRemaining(data.remaining);
    render();
  });
  socket.on("question_closed", function (data) {
    if (!state) { return; }
    state.question_open = false;
    if (data.key) { state.revealed = data; }
    setRemaining(null);  // the server's clock for this question has stopped: so does this one
    render();
  });
  socket.on("question_result", function (data) {
    if (!state) { return; }
    state.result = data;
    render();
  });
  socket.on("paused", function (data) { if (state) { state.session.status = "paused"; setRemaining(data.remaining); render(); } });
  socket.on("resumed", function (data) { if (state) { state.session.status = "running"; setRemaining(data.remaining); render(); } });
  socket.on("time_extended", function (data) { setRemaining(data.remaining); });
  socket.on("announcement", function (data) {
    document.getElementById("announcement-text").textContent = T.announcement + ": " + data.text;
    announcement.hidden = false;
  });
  document.getElementById("announcement-close").addEventListener("click", function () { announcement.hidden = true; });
  socket.on("ended", function (data) {
    if (!state) { return; }
    state.session.status = "ended";
    state.score = data.score || null;
    state.summary = data.summary || null;
    render();
  });
  socket.on("removed", function () { if (state) { state.removed = true; render(); } });

  // --- leaving the page (切屏) --------------------------------------------------------------------
  var lastReport = 0;
  var unloading = false;   // a reload or navigation away is not switching to another window
  window.addEventListener("beforeunload", function () { unloading = true; });
  function reportFocusLost(kind) {
    var now = Date.now();
    if (unloading || now - lastReport < 1000 || !state || state.session.status !== "running") { return; }
    lastReport = now;
    socket.emit("focus_lost", { session_id: sessionId, kind: kind }, function (ack) {
      if (ack && ack.submitted) { state.finished = true; render(); }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { reportFocusLost("hidden"); }
  });
  window.addEventListener("blur", function () { reportFocusLost("blur"); });
}());
