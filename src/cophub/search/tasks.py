"""Background work of the search app. Thin: load by id, call one service."""

from django_tasks import task

from .services import search_index_update


@task()
def search_index_update_task(type_name: str, ids: list[int]) -> dict:
    """Re-index objects after they were saved or deleted (enqueued after the commit)."""
    return search_index_update(type_name=type_name, ids=ids).as_dict()
