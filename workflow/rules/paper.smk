# paper rules (placeholder until its issue lands).
