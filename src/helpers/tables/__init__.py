"""Finding and reading the nine standard tables (T1..T9) of a 部门决算 report."""
