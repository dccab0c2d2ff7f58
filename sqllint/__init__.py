"""sqllint: static SQL linter and query reviewer for PostgreSQL codebases."""

__version__ = "0.1.0"
