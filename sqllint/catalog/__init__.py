"""The schema as built from DDL, applied in migration order."""

from sqllint.catalog.build import CatalogBuilder, build_catalog
from sqllint.catalog.model import Catalog, Column, ForeignKey, Index, IndexKey, Origin, Table

__all__ = [
    "Catalog", "CatalogBuilder", "Column", "ForeignKey", "Index", "IndexKey", "Origin", "Table",
    "build_catalog",
]
