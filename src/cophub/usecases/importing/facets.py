"""The typed columns and the facet values of a use case, derived from OMB's fields."""

from .. import columns as C
from ..models import UseCase, UseCaseFacet
from .report import Row


def typed(row: Row) -> dict:
    f = row.fields
    return {
        "inventory_id": row.inventory_id,
        "name": C.one_value(f["use_case_name"]),
        "bureau": C.one_value(f["agency_bureau"]),
        "development_stage": C.one_value(f["development_stage"])[:100],
        "high_impact": C.one_value(f["is_high_impact"])[:100],
        "topic_areas": C.topic_values(f["topic_area"]),
        "classification": C.one_value(f["classification"])[:300],
        "vendor_name": C.one_value(f["vendor_name"]),
        "search_text": C.search_text(f),
        "terms": C.distinctive_terms(f["use_case_name"], f["problem_solved"]),
    }


TYPED_FIELDS = ["inventory_id", "name", "bureau", "development_stage", "high_impact",
                "topic_areas", "classification", "vendor_name", "search_text", "terms"]


def facet_values(use_case: UseCase) -> dict[str, list[str]]:
    """The facet values of a use case (see `selectors.FACETS`)."""
    f = use_case.fields
    single = {
        "year": str(use_case.inventory_year),
        "agency": use_case.agency.abbreviation,
        "bureau": use_case.bureau,
        "stage": use_case.development_stage,
        "high_impact": use_case.high_impact,
        "classification": use_case.classification,
    }
    values = {name: [value] if value else [] for name, value in single.items()}
    values["topic"] = list(use_case.topic_areas)
    values["vendor"] = C.vendor_values(f.get("vendor_name", ""))
    return values


def facet_rows(use_cases: list[UseCase]) -> list[UseCaseFacet]:
    rows = []
    for use_case in use_cases:
        for facet, values in facet_values(use_case).items():
            for value in dict.fromkeys(C.facet_value(v) for v in values):
                rows.append(UseCaseFacet(use_case_id=use_case.pk, facet=facet, value=value))
    return rows
