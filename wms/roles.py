"""The two staff roles of S-ROLES and the capabilities each one holds.

Groups and their permissions are created by a data migration; this module names them so that
views, the API and tests use one spelling.
"""

WORKER_GROUP = "Worker"
MANAGER_GROUP = "Manager"

# Capabilities not tied to one model (codename, French label). Model permissions join them as the
# domain grows, each added to the groups by the migration that introduces it.
CAPABILITIES: list[tuple[str, str]] = [
    ("use_scan", "Utiliser l'application de scan"),
    ("use_api", "Utiliser l'API avec sa session"),
    ("manage_warehouse", "Actions réservées aux responsables dans l'application de scan"),
    ("review_requests", "Valider commandes, demandes de compte et documents"),
    ("manage_imports", "Importer, exporter et modifier les modèles d'impression"),
]

WORKER_CAPABILITIES = ["use_scan", "use_api"]
MANAGER_CAPABILITIES = [codename for codename, _label in CAPABILITIES]

SCAN_PERMISSION = "wms.use_scan"
MANAGER_PERMISSION = "wms.manage_warehouse"
API_PERMISSION = "wms.use_api"
