"""Factories for tests: users in each role of S-ROLES."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from wms.roles import MANAGER_GROUP, WORKER_GROUP

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        self.save()


def worker(**kwargs: object) -> User:
    return UserFactory(groups=[WORKER_GROUP], **kwargs)


def manager(**kwargs: object) -> User:
    return UserFactory(groups=[MANAGER_GROUP], **kwargs)


# --- stock core ---------------------------------------------------------------------------------


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.Warehouse"
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Entrepôt {n}")
    code = factory.Sequence(lambda n: f"W{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.Location"

    warehouse = factory.SubFactory(WarehouseFactory)
    zone = "A"
    aisle = factory.Sequence(lambda n: f"{n:02d}")
    shelf = "1"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.Product"

    sku = factory.Sequence(lambda n: f"TEST-{n:05d}")
    name = factory.Sequence(lambda n: f"Produit {n}")
    default_location = factory.SubFactory(LocationFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.Contact"

    name = factory.Sequence(lambda n: f"Contact {n}")


# --- cartons and shipments ----------------------------------------------------------------------


class CartonFormatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.CartonFormat"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Format {n}")
    length_cm = 40
    width_cm = 30
    height_cm = 30
    max_weight_g = 8000
    is_default = True


class DestinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wms.Destination"

    city = factory.Sequence(lambda n: f"Ville {n}")
    iata_code = factory.Sequence(
        lambda n: f"{chr(65 + n // 676 % 26)}{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"
    )
    country = "Madagascar"
    correspondent = factory.SubFactory(
        ContactFactory,
        name=factory.Sequence(lambda n: f"Correspondant {n}"),
        is_correspondent=True,
        email=factory.Sequence(lambda n: f"correspondant{n}@example.org"),
        phone="+261 20 00 000",
    )
