"""Browser libraries installed from the npm registry by `make install` (package.json and its lock
file), served by the app itself: exam rooms on a branch network cannot reach a CDN."""
from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from server import PROJECT_ROOT
from server.access import public

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

NODE_MODULES = PROJECT_ROOT / "node_modules"
# Public name -> file under node_modules.  Only these files are served.
ASSETS = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "socket.io.min.js.map": "socket.io-client/dist/socket.io.min.js.map",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "chart.umd.min.js.map": "chart.js/dist/chart.umd.min.js.map",
}


@bp.route("/<path:filename>")
@public
def asset(filename: str):
    if filename not in ASSETS:
        abort(404)
    return send_from_directory(NODE_MODULES, ASSETS[filename], max_age=24 * 3600)
