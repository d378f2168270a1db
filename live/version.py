"""The live protocol's version (docs/protocol.md, "Protocol version").  It goes up only when a
change would break a client written for the previous one: an event or field removed or renamed,
a meaning changed.  Additions (a new event, an optional field, an error code) keep it.  A client
reads it from `whoami` (or the API document's `info.x-live-protocol`) and stops if it differs."""
from __future__ import annotations

PROTOCOL_VERSION = 1
