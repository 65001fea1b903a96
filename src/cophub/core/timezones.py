"""The time zones people pick from: the U.S. zones (states and territories) and UTC."""

US_TIME_ZONES = [
    ("America/New_York", "Eastern"), ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"), ("America/Phoenix", "Arizona"),
    ("America/Los_Angeles", "Pacific"), ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"), ("America/Puerto_Rico", "Atlantic (Puerto Rico, USVI)"),
    ("Pacific/Guam", "Chamorro (Guam, CNMI)"), ("Pacific/Pago_Pago", "Samoa"),
    ("UTC", "UTC"),
]
DEFAULT_TIME_ZONE = "America/New_York"


def time_zone_label(zone: str) -> str:
    """A time zone as people name it: "Eastern time" for America/New_York, "Atlantic time
    (Puerto Rico, USVI)" (the labels of `US_TIME_ZONES`), the city for a zone outside the
    list ("Europe/Paris" → "Paris time"), and "UTC"."""
    if not zone:
        return ""
    label = dict(US_TIME_ZONES).get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")
    if label == "UTC":
        return label
    place, _, detail = label.partition(" (")
    return f"{place} time ({detail}" if detail else f"{place} time"
