"""The sign-in baseline: a bare Flask app on gevent that checks the password with one Argon2id
verification per POST, on the event loop, as Flask's documentation would write it (same
parameters as server/auth/passwords.py's STANDARD profile; no database, no CSRF, no session store)."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402

from argon2 import PasswordHasher  # noqa: E402
from argon2.exceptions import VerificationError  # noqa: E402
from flask import Flask, redirect, request, session  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

PASSWORD = os.environ.get("BARE_PASSWORD", "examhall-bench")
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
HASH = hasher.hash(PASSWORD)

app = Flask(__name__)
app.secret_key = "bare"  # noqa: S105 (a throwaway server)

FORM = """<!doctype html><form method="post"><input name="employee_no"><input name="password" type="password">
<button>Sign in</button></form>"""


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            hasher.verify(HASH, request.form.get("password", ""))
        except VerificationError:
            return FORM, 200
        session["user"] = request.form.get("employee_no")
        return redirect("/")
    return FORM


@app.route("/")
def home():
    return "ok"


@app.route("/healthz")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    WSGIServer(("127.0.0.1", int(os.environ["EXAMHALL_PORT"])), app, log=None).serve_forever()
