from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "cophub.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        # Imported here, not at the top: models may only be imported once the app registry
        # is ready (Django's rule for `AppConfig` modules), not to dodge a cycle.
        from cophub.events.selectors import MATERIAL_ACCESS_EXTENSIONS

        from .selectors import material_granted

        # Approved "Request for AI Training Links" grants open recordings of the series.
        MATERIAL_ACCESS_EXTENSIONS.append(material_granted)
