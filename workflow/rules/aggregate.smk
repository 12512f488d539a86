# aggregate rules (placeholder until its issue lands).
