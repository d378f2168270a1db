"""A session that has ended with known results, and an app that issues its documents inline."""
from __future__ import annotations

import pytest

from server.documents import operations as documents
from tests.builders import answer_and_end
from tests.conftest import serving


@pytest.fixture
def app(make_app):
    """The usual test app, but sessions that end issue their documents, in this process."""
    with serving(make_app(DOCUMENTS_AUTO_ISSUE=True, DOCUMENTS_INLINE=True, VERIFY_LIMIT="1000 per minute",
                          EXAMHALL_BASE_URL="https://exam.example.cn")) as app:
        yield app


@pytest.fixture
def ended(started):
    """S000 12/12 and S001 8/12 pass; H000 7 and S002 0 fail (pass mark 7.2)."""
    answer_and_end(started)
    return started


@pytest.fixture
def issued(ended):
    job = documents.latest_job(ended)  # queued by the end, run inline once the end was committed
    assert job is not None and job.state == "done", job and job.error
    return ended
