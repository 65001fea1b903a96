from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "cophub.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from cophub.events.selectors import MATERIAL_ACCESS_EXTENSIONS

        from .selectors import material_granted

        # Approved "Request for AI Training Links" grants open recordings of the series.
        MATERIAL_ACCESS_EXTENSIONS.append(material_granted)
