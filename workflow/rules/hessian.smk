# hessian rules (placeholder until its issue lands).
