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
