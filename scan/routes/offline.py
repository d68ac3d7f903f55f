from django.urls import path

from scan.views.catalog import catalog_json

urlpatterns = [path("catalog.json", catalog_json, name="catalog")]
