"""A regrade that lands while a session's documents are being issued: nothing signed from the
results as they were is committed as current."""
from __future__ import annotations

import sqlalchemy as sa

from server.documents import operations as documents
from server.documents.models import IssuedDocument, IssueReason
from server.exams.models import LiveSession
from server.extensions import db


def test_documents_planned_before_a_regrade_are_never_committed(ended, app):
    """A job plans its documents from the results; if a regrade changes them meanwhile (another
    process), what it signed from the old plan is dropped, not committed as current."""
    app.config.update(DOCUMENTS_INLINE=False)
    db.session.execute(sa.delete(IssuedDocument))
    job = documents._queue(ended, IssueReason.MANUAL)
    db.session.commit()
    planned = ended.results_version
    pending, _present = documents.plan(ended, job.base_url)
    db.session.commit()
    with db.engine.begin() as other:  # a regrade elsewhere moves the results on
        other.execute(sa.update(LiveSession).where(LiveSession.id == ended.id).values(
            results_version=LiveSession.results_version + 1))
    assert not documents._issue(ended, job, pending, 1, planned)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 0
    finished = documents.run_job(job.id, processes=1)  # plans again from the results as they are now
    assert finished.state == "done" and finished.done == finished.total == 7
