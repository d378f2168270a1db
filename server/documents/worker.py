"""The background process that issues a session's documents: `python -m server.documents.worker JOB_ID`.

It runs apart from the web server so that rendering and signing (CPU-bound) use every core
without holding up the live exams' event loop."""
from __future__ import annotations

import logging
import sys

from server import create_app
from server.documents.operations import run_job


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    with app.app_context():
        job = run_job(int(argv[1]), processes=app.config.get("DOCUMENTS_PROCESSES"))
        logging.getLogger("server.documents").info("job %s: %s, %s of %s", job.id, job.state, job.done, job.total)
        return 0 if job.state == "done" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
