"""Rendering and signing many documents at once on every core.

Each worker process registers the font and loads the signing key once, then renders and signs
document after document; results come back in the order the documents were given."""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator

from pdfs.certificate import CertificateData, render_certificate
from pdfs.fonts import cjk_font
from pdfs.score_sheet import SessionSheetData, TraineeSheetData, render_session_sheet, render_trainee_sheet
from pdfs.signing import Signer, SignerSpec

Document = CertificateData | TraineeSheetData | SessionSheetData


def render(data: Document) -> bytes:
    if isinstance(data, CertificateData):
        return render_certificate(data)
    if isinstance(data, TraineeSheetData):
        return render_trainee_sheet(data)
    if isinstance(data, SessionSheetData):
        return render_session_sheet(data)
    raise TypeError(f"no renderer for {type(data).__name__}")


_signer: Signer | None = None


def _start_worker(spec: SignerSpec) -> None:
    global _signer  # one per worker process, loaded once: the reason this module exists
    cjk_font()
    _signer = spec.load()


def _render_and_sign(data: Document) -> bytes:
    return _signer.sign(render(data))


def _threads_are_greenlets() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("threading"))


def sign_all(documents: Iterable[Document], spec: SignerSpec, processes: int | None = None) -> Iterator[bytes]:
    """Signed PDF bytes for each document, in order.  ``processes`` defaults to the cores this
    process may use; 1 works in this process (no pool).

    Never in a process gevent has patched: the pool's result handler would run as a greenlet
    whose blocking read of the workers' pipe freezes every other greenlet, the pool's own task
    feeder included, and the batch would wait forever."""
    processes = processes or len(os.sched_getaffinity(0))
    if processes > 1 and _threads_are_greenlets():
        raise RuntimeError("sign_all with a pool cannot run in a process patched by gevent; "
                           "run it in a plain interpreter (flask --app wsgi documents worker)")
    if processes == 1:
        _start_worker(spec)
        for data in documents:
            yield _render_and_sign(data)
        return
    # forkserver: the parent may be a server with threads or gevent; a fork of that is unsafe.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(processes, initializer=_start_worker, initargs=(spec,)) as pool:
        yield from pool.imap(_render_and_sign, documents, chunksize=4)
