"""Taking over the earlier ASF WMS's data (S-LEGACY): `manage.py import_legacy`."""
