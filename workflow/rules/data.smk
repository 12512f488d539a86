# data rules (placeholder until its issue lands).
