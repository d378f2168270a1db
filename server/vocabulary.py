"""Words shared by features that must not import each other: a session's status and pacing are
read by papers (a paper is locked while a session waits) and owned by exams.  Pure enums."""
from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    LOBBY = "lobby"  # trainees may enter; nothing is frozen yet
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class Pacing(StrEnum):
    """Who moves the exam on."""

    PACED = "paced"  # the invigilator opens each question, with its own deadline
    TIMED = "timed"  # the whole paper at once, one deadline
