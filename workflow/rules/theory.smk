# theory rules (placeholder until its issue lands).
