"""HEAD answers have no body but the length a GET would have (else gunicorn logs a warning)."""

from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from project.middleware import HeadBodyRemovalMiddleware


def run(method, response):
    middleware = HeadBodyRemovalMiddleware(lambda request: response)
    return middleware(RequestFactory().generic(method, "/"))


def test_head_responses_lose_their_body_and_keep_the_length():
    response = run("HEAD", HttpResponse(b"<html>hello</html>"))
    assert response.content == b""
    assert response["Content-Length"] == "18"


def test_get_responses_are_untouched():
    assert run("GET", HttpResponse(b"hello")).content == b"hello"


def test_streaming_responses_are_left_alone():
    response = run("HEAD", StreamingHttpResponse(iter([b"a", b"b"])))
    assert b"".join(response.streaming_content) == b"ab"
