"""The one client-address function used by axes and the throttles."""

import pytest
from django.test import RequestFactory, override_settings

from wms.client_ip import client_ip


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_socket_address_is_the_client():
    assert client_ip(request_from("10.1.1.1", "203.0.113.5")) == "10.1.1.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_proxy_takes_the_last_forwarded_entry():
    # The leftmost entry was written by the client itself and is never trusted.
    assert client_ip(request_from("10.1.1.1", "198.51.100.66, 203.0.113.5")) == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_proxies_take_the_second_entry_from_the_right():
    assert client_ip(request_from("10.1.1.1", "198.51.100.66, 203.0.113.5, 10.1.1.2")) == (
        "203.0.113.5"
    )


@pytest.mark.parametrize("forwarded", [None, "", "not-an-ip"])
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_missing_or_garbage_forwarded_values_fall_back_to_the_socket(forwarded):
    assert client_ip(request_from("10.1.1.1", forwarded)) == "10.1.1.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_ipv6_addresses_are_accepted():
    assert client_ip(request_from("::1", "2001:db8::7")) == "2001:db8::7"
