from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from cophub.library import services
from cophub.library.models import Resource


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test stores files in its own directory, so it can see exactly what it stored."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "library"
    return {str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file()}


def resource_data(**fields) -> dict:
    data = {"kind": Resource.Kind.PLAYBOOK, "title": "AI Guide for Government",
            "summary": "How to build **AI capability** in an agency.",
            "authors": "IT Modernization Centers of Excellence, GSA",
            "url": "https://www.example.gov/ai-guide", "group": None, "practice_areas": [],
            "source_event": None, "published_on": date(2023, 5, 1),
            "access_level": "public"}
    data.update(fields)
    return data


@pytest.fixture
def make_resource(community, organizer):
    def make(*, upload=None, actor=None, **fields) -> Resource:
        if upload is not None:
            fields.setdefault("url", "")
        return services.resource_create(community=fields.pop("community", community),
                                        actor=actor or organizer, upload=upload,
                                        data=resource_data(**fields))

    return make
