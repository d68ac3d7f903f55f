from django.apps import AppConfig


class ScanConfig(AppConfig):
    name = "scan"
    verbose_name = "Scan"
