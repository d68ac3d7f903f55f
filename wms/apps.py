from django.apps import AppConfig


class WmsConfig(AppConfig):
    name = "wms"
    verbose_name = "ASF WMS"

    def ready(self) -> None:
        from wms import checks, signals  # noqa: F401 - registers checks and receivers
        from wms.api import schema  # noqa: F401 - registers OpenAPI extensions
