"""The search part of `cophub demo` (it runs last): index everything the other apps' demos
created — most of it bulk-created, which no save signal reports. Vectors the use case
import already made are reused."""

from . import embeddings
from .services import search_index_rebuild


def build(*, context) -> None:
    report = search_index_rebuild()
    context["out"].write(
        f"Search: {report.written} documents indexed, {report.unchanged} already current "
        f"({report.embedded} embedded, {report.reused} vectors reused) in "
        f"{report.seconds:.1f} s. {embeddings.status().text}")
