"""The baseline: a bare Flask-SocketIO server (gevent) with the same namespace, events and
payload sizes as Examhall's live engine, but no authentication and no database."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent")
QUESTION = {"question": {"id": 1, "position": 1, "total": 5, "type": "judge",
                         "stem": "办理大额现金存取款业务时，柜员应按规定核对客户有效身份证件。", "options": [],
                         "points": "1"}, "deadline": "2026-11-29T08:00:30.000Z",
            "server_time": "2026-11-29T08:00:00.000Z", "remaining": 30.0}


@socketio.on("connect", namespace="/live")
def connect(auth=None):
    return True


@socketio.on("enter", namespace="/live")
def enter(data):
    join_room("trainees")
    return {"ok": True, "state": {"session": {"id": 1, "status": "lobby"}}}


@socketio.on("answer", namespace="/live")
def answer(data):
    return {"ok": True, "status": "saved", "question_id": data["question_id"], "seq": data["seq"]}


@socketio.on("go", namespace="/live")
def go(data=None):
    socketio.emit("question", QUESTION, to="trainees", namespace="/live")
    return {"ok": True}


@app.route("/healthz")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    if os.environ.get("BARE_SAME_SETTINGS") == "1":  # the runtime settings of Examhall's wsgi.py
        import gc

        import gevent

        gevent.config.track_greenlet_tree = False
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
    socketio.run(app, host="127.0.0.1", port=int(os.environ["EXAMHALL_PORT"]), log_output=False)
