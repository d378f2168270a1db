// A whole exam driven from outside Examhall, in Node.js (18+): only the JSON API (/api/v1,
// described at /api/v1/openapi.json) and the live protocol (docs/protocol.md), with the official
// socket.io-client.  The same steps as exam_over_api.py: sign in as an invigilator, import three
// questions, create a timed paper and a session for three trainees, connect them, start, answer
// every question right, hand in, end, wait for the documents and download a certificate.
//
//   node examples/exam_over_api.mjs --url http://127.0.0.1:5000      # against `make run`
//
// The last line printed is a JSON summary.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const QUESTIONS = [
  ["示例题一：人民币的基本单位是？", ["元", "角", "分"], 0],
  ["示例题二：一年有几个季度？", ["三", "四", "五"], 1],
  ["示例题三：柜员交接班时必须做什么？", ["闲聊", "离岗", "双人复核"], 2],
];
const LETTERS = "ABC";
const PROTOCOL = 1; // the live protocol version this script was written for (docs/protocol.md)

function aikenFile() {
  return QUESTIONS.map(([stem, options, key]) =>
    [stem, ...options.map((text, i) => `${LETTERS[i]}. ${text}`), `ANSWER: ${LETTERS[key]}`].join("\n"),
  ).join("\n\n") + "\n";
}

class Api {
  // The JSON API with one bearer token; any answer outside 2xx stops the script with its error.
  constructor(url) {
    this.url = url.replace(/\/$/, "") + "/api/v1";
    this.token = null;
  }

  static async signIn(url, employeeNo, password) {
    const api = new Api(url);
    api.token = (await api.call("POST", "/auth/token", 201, { json: { employee_no: employeeNo, password } })).token;
    return api;
  }

  async call(method, path, expect = 200, { json, form } = {}) {
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    const response = await fetch(this.url + path, { method, headers, body });
    if (response.status !== expect) {
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    }
    const type = response.headers.get("Content-Type") || "";
    return type.startsWith("application/json") ? response.json() : Buffer.from(await response.arrayBuffer());
  }
}

function waitFor(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class Trainee {
  // One trainee's live connection: enters the session, answers when the paper arrives, hands in.
  constructor(url, api, employeeNo) {
    this.employeeNo = employeeNo;
    this.socket = io(url + "/live", { auth: { token: api.token }, reconnection: false });
    this.paper = new Promise((resolve) => this.socket.once("state", resolve));
    this.ended = new Promise((resolve) => this.socket.once("ended", resolve));
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("connect_error", reject);
    });
  }

  async ask(event, payload) {
    const ack = await this.socket.timeout(15000).emitWithAck(event, payload);
    if (!ack.ok) throw new Error(`${this.employeeNo} ${event}: ${JSON.stringify(ack)}`);
    return ack;
  }

  async enter(joinCode) {
    await waitFor(this.connected, 10, `${this.employeeNo} connects`);
    const spoken = (await this.ask("whoami")).protocol;
    if (spoken !== PROTOCOL) throw new Error(`the server speaks live protocol ${spoken}, not ${PROTOCOL}`);
    this.state = (await this.ask("enter", { code: joinCode })).state;
  }

  async answerEverything(sessionId, seconds) {
    if (this.state.session.status !== "running") {
      this.state = await waitFor(this.paper, seconds, `${this.employeeNo}: the paper`);
    }
    const right = Object.fromEntries(QUESTIONS.map(([stem, options, key]) => [stem, options[key]]));
    let seq = this.state.last_seq;
    for (const question of this.state.questions) {
      const letter = question.options.find((o) => o.text === right[question.stem]).letter;
      seq += 1;
      await this.ask("answer", { question_id: question.id, choice: letter, seq });
    }
    return (await this.ask("submit", { session_id: sessionId })).answered;
  }
}

async function run({ url, staff: staffNo, password, trainees: numbers, traineePassword, out, timeout }) {
  const staff = await Api.signIn(url, staffNo, password);
  const spoken = (await staff.call("GET", "/openapi.json")).info["x-live-protocol"];
  if (spoken !== PROTOCOL) throw new Error(`the server's live protocol is ${spoken}, not ${PROTOCOL}`);
  const form = new FormData();
  form.append("file", new Blob([aikenFile()], { type: "text/plain" }), "example.txt");
  form.append("bank", "API 示例题库");
  const report = await staff.call("POST", "/bank/import", 201, { form });
  const stems = new Set(QUESTIONS.map(([stem]) => stem));
  const listed = (await staff.call("GET", `/bank/banks/${report.bank.id}/questions`)).questions;
  const questionIds = listed.filter((q) => stems.has(q.stem)).map((q) => q.id).slice(0, QUESTIONS.length);

  const paper = await staff.call("POST", "/papers", 201, { json: {
    name: "API 示例试卷", question_ids: questionIds, paper_seconds: 600, shuffle_options: true,
    points_single: "10", pass_percent: "60" } });
  const session = await staff.call("POST", "/sessions", 201, { json: {
    paper_id: paper.id, title: "API 示例考试", pacing: "timed", employee_numbers: numbers } });

  const trainees = [];
  for (const number of numbers) {
    trainees.push(new Trainee(url, await Api.signIn(url, number, traineePassword), number));
  }
  const answered = {};
  const scores = {};
  try {
    for (const trainee of trainees) await trainee.enter(session.join_code);
    await staff.call("POST", `/sessions/${session.id}/controls`, 200, { json: { action: "start" } });
    await Promise.all(trainees.map(async (t) => { answered[t.employeeNo] = await t.answerEverything(session.id, timeout); }));
    await staff.call("POST", `/sessions/${session.id}/controls`, 200, { json: { action: "end" } });
    for (const trainee of trainees) {
      scores[trainee.employeeNo] = (await waitFor(trainee.ended, timeout, `${trainee.employeeNo}: ended`)).score;
    }
  } finally {
    for (const trainee of trainees) trainee.socket.disconnect();
  }

  // Documents are issued when a session ends (unless the server turned that off); asking again
  // is harmless: a job under way is reused and nothing issued is issued twice.
  await staff.call("POST", `/sessions/${session.id}/documents/issue`, 202);
  const deadline = Date.now() + timeout * 1000;
  let listing;
  let certificates;
  for (;;) {
    listing = await staff.call("GET", `/sessions/${session.id}/documents`);
    certificates = listing.documents.filter((d) => d.kind === "certificate");
    if (listing.progress.state === "done" && certificates.length) break;
    if (listing.progress.state === "failed" || Date.now() > deadline) {
      throw new Error(`documents not issued: ${JSON.stringify(listing.progress)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const pdf = await staff.call("GET", certificates[0].download_url.replace(/^\/api\/v1/, ""));
  mkdirSync(out, { recursive: true });
  const saved = join(out, `${certificates[0].number}.pdf`);
  writeFileSync(saved, pdf);
  const results = await staff.call("GET", `/sessions/${session.id}/results`);
  return {
    session_id: session.id, protocol: PROTOCOL, answered, scores,
    results: Object.fromEntries(results.items.map((r) => [r.employee_no, r.result])),
    certificates: certificates.length, certificate: saved, bytes: pdf.length,
  };
}

const { values } = parseArgs({ options: {
  url: { type: "string", default: "http://127.0.0.1:5000" },
  staff: { type: "string", default: "J1001" },
  password: { type: "string", default: "examhall-demo" },
  trainees: { type: "string", default: "T10001,T10002,T10003" },
  "trainee-password": { type: "string" },
  out: { type: "string", default: "certificates" },
} });
try {
  const summary = await run({
    url: values.url, staff: values.staff, password: values.password, trainees: values.trainees.split(","),
    traineePassword: values["trainee-password"] || values.password, out: values.out, timeout: 120,
  });
  console.log(JSON.stringify(summary));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
