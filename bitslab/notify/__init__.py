"""Everything that decides whether a job's event reaches the application (F, I, C, D, K rules)."""
