"""Can an index serve these predicates? Which index would? One plan for the repository."""
