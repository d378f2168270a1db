"""Exam tickets (准考证): per-trainee, per-session codes that sign a trainee into one exam only."""
