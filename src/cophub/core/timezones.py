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
