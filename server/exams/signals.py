"""What happens to a session that other features react to.  Exams sends these signals and
knows nothing of who listens (documents issue certificates on them), so dependencies point one
way: documents -> exams.  Receivers run inside the sender's transaction."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the LiveSession; no keyword arguments.
session_ended = _signals.signal("session-ended")
# sender: the LiveSession; actor (User), changed_participant_ids (set[int]).
session_regraded = _signals.signal("session-regraded")
# sender: the LiveSession, just added with its roster; no keyword arguments.
session_created = _signals.signal("session-created")
