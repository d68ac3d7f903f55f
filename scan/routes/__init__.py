"""URL patterns of the scan app, one module per area; scan/urls.py puts them together."""
