"""The v1 query language: query string → `Query` (params.py) → one SQL statement (sql.py)."""

from .params import Query, QueryError, parse_filters, parse_list, parse_projection, parse_pairs

__all__ = ["Query", "QueryError", "parse_filters", "parse_list", "parse_projection", "parse_pairs"]
