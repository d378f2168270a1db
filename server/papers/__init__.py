"""Papers: which questions an exam asks (a fixed list or draw rules), how they score, and time."""
