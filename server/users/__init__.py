"""People: accounts, their roles and branches, and bulk registration from a roster file."""
