"""`seed_demo` (make run): demo logins in both roles, DEBUG only, password printed."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo")


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1")
def test_it_creates_a_worker_and_a_manager_with_the_printed_password(capsys, rf):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: a second run neither fails nor duplicates
    printed = capsys.readouterr().out
    assert "magasinier / responsable" in printed
    assert "demo-pass-from-env-1" in printed
    worker = authenticate(rf.post("/"), username="magasinier", password="demo-pass-from-env-1")
    manager = authenticate(rf.post("/"), username="responsable", password="demo-pass-from-env-1")
    assert worker is not None and manager is not None
    assert list(worker.groups.values_list("name", flat=True)) == ["Worker"]
    assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
    assert manager.is_staff and not worker.is_staff


@override_settings(DEBUG=True, DEMO_PASSWORD="")
def test_without_a_configured_password_it_generates_one(capsys):
    call_command("seed_demo")
    password = capsys.readouterr().out.rsplit("password: ", 1)[1].strip()
    assert len(password) >= 12
