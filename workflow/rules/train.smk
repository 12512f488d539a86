# train rules (placeholder until its issue lands).
