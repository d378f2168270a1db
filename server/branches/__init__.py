"""The bank's organisation tree: head office → branch → sub-branch → outlet."""
