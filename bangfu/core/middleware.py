import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bangfu.core.changelog import change_context


class ChangeContextMiddleware:
    """Attributes every change made while serving a request to the request's user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = uuid.uuid4()
        with change_context(user=request.user, request_id=request.id):
            return self.get_response(request)


class ChineseFirstMiddleware:
    """Chinese unless the user chose otherwise: the browser's Accept-Language is not asked.

    Government machines often run an English-language browser; the language switch (a cookie)
    is the only way to English. Sits before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
