"""What can be searched: each app registers its searchable types here; nobody else touches
the index.

An app declares its types in a `searchable.py` module, which the search app imports at
start-up (like `tasks.py` for periodic jobs)::

    from cophub.search.registry import Document, SearchType, register

    def resource_document(resource: Resource) -> Document | None:
        if resource.withdrawn:
            return None                      # not in the index at all
        return Document(
            title=resource.title,
            body=f"{resource.summary}\\n{resource.authors}",
            url=resource.get_absolute_url(),
            access_level=resource.access_level,
            community_id=resource.community_id,
            group_id=resource.group_id,
            facets={"kind": [resource.get_kind_display()], "practice_area": [...]},
            date=resource.published_on,
        )

    register(SearchType(
        name="resource", label="Resources", model=Resource, document=resource_document,
        facets={"kind": "Kind", "practice_area": "Practice area"},
    ))

The document carries the object's access fields (`access_level`, `community_id`,
`group_id`), and the search app filters with `core.access.visible_q` on them: the same rule
as the object's own pages, so search can never show more than the pages do.

Saving or deleting an instance of a registered model re-indexes it after the transaction
commits (a task). Code that writes in bulk (`bulk_create`, `QuerySet.update`, imports) calls
`cophub.search.services.search_index_update(type_name=..., ids=[...])` itself.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Document:
    """What the index holds for one object. `body` is plain text (no Markdown or HTML)."""

    title: str
    body: str
    url: str
    access_level: str
    community_id: int | None = None
    group_id: int | None = None
    # facet name -> the object's values for it ("agency": ["Department of Energy"]).
    facets: dict[str, list[str]] = field(default_factory=dict)
    date: date | datetime | None = None
    # JSON-safe fields shown with a result and printed by `cophub search --json`
    # (use cases: inventory_id, inventory_year, agency, source_row).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Watch:
    """Another model whose changes alter this type's documents (a group's name shown on its
    events): when an instance of `model` is saved or about to be deleted, `ids(instance)`
    names the objects of this type to re-index."""

    model: type[Model]
    ids: Callable[[Any], Iterable[int]]


@dataclass(frozen=True)
class SearchType:
    name: str  # stable, used in URLs and `cophub search --type`
    label: str  # plural, for people: "AI use cases"
    model: type[Model]
    document: Callable[[Any], Document | None]  # None: this object is not searchable
    facets: dict[str, str] = field(default_factory=dict)  # facet name -> label, in order
    # What a rebuild indexes and what an update loads (select_related here what `document`
    # reads); default: all.
    queryset: Callable[[], QuerySet] | None = None
    singular: str = ""  # for one result: "AI use case" (default: label)
    browse_url: str = ""  # URL name of a page listing them all, offered when nothing matches
    watch: tuple[Watch, ...] = ()

    def all_objects(self) -> QuerySet:
        return self.queryset() if self.queryset else self.model._default_manager.all()


_types: dict[str, SearchType] = {}
_discovered = False


def register(search_type: SearchType) -> SearchType:
    existing = _types.get(search_type.name)
    if existing is not None and existing.model is not search_type.model:
        raise ValueError(f"Search type {search_type.name!r} is already registered.")
    _types[search_type.name] = search_type
    return search_type


def search_types() -> dict[str, SearchType]:
    """Every registered type, importing each installed app's `searchable` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("searchable")
        _discovered = True
    return _types


def search_type_for_model(model: type[Model]) -> SearchType | None:
    for search_type in search_types().values():
        if search_type.model is model:
            return search_type
    return None


def type_names() -> Iterable[str]:
    return search_types().keys()
