"""The AI use cases as a search type (see `cophub.search.registry`). Use cases are public
data: no community, access level public."""

from cophub.core.access import AccessLevel
from cophub.search.registry import Document, SearchType, register

from .columns import vendor_values
from .models import UseCase

TITLE_MAX_CHARS = 500  # the index's title column; OMB's longest name is about 240
BODY_COLUMNS = ("problem_solved", "benefits", "system_outputs", "agency_bureau",
                "classification", "vendor_name", "system_name_ato", "data_description")


def usecase_document(use_case: UseCase) -> Document:
    fields = use_case.fields
    body = "\n".join(" ".join(fields.get(c, "").split()) for c in BODY_COLUMNS
                     if fields.get(c, "").strip())
    facets = {
        "agency": [use_case.agency.name],
        "stage": [use_case.development_stage] if use_case.development_stage else [],
        "topic": list(use_case.topic_areas),
        "high_impact": [use_case.high_impact] if use_case.high_impact else [],
        "year": [str(use_case.inventory_year)],
        "vendor": vendor_values(fields.get("vendor_name", "")),
    }
    return Document(
        title=use_case.title[:TITLE_MAX_CHARS],
        body=body,
        url=use_case.get_absolute_url(),
        access_level=AccessLevel.PUBLIC,
        community_id=None,
        group_id=None,
        facets={name: values for name, values in facets.items() if values},
        date=None,  # OMB's operational dates are free text ("Jul-25", "01/2024", …)
        extra={
            "inventory_id": use_case.inventory_id,
            "inventory_year": use_case.inventory_year,
            "agency": use_case.agency.abbreviation,
            "source_row": use_case.source_row,
        },
    )


register(SearchType(
    name="usecase",
    label="AI use cases",
    singular="AI use case",
    browse_url="usecases:list",
    model=UseCase,
    document=usecase_document,
    facets={"agency": "Agency", "stage": "Stage of development", "topic": "Topic area",
            "high_impact": "High-impact", "year": "Inventory year", "vendor": "Vendor"},
    queryset=lambda: UseCase.objects.select_related("agency"),
))
