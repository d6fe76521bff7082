"""The project's URL patterns, outside the Django admin, and which of them answer GET."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse

ADMIN_PREFIX = "admin/"

# A value of the right shape for each path converter, to build a URL that resolves.
SAMPLE_VALUES = {
    converters.IntConverter: 999_999,
    converters.StringConverter: "sample",
    converters.SlugConverter: "sample",
    converters.PathConverter: "sample",
    converters.UUIDConverter: uuid.UUID(int=0),
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the joined route text, e.g. "referrals/<int:pk>/"
    converters: tuple[tuple[str, object], ...]

    def sample_path(self) -> str:
        kwargs = {}
        for key, converter in self.converters:
            if type(converter) not in SAMPLE_VALUES:
                raise LookupError(f"No sample value for the converter of <{key}> in {self.route}")
            kwargs[key] = SAMPLE_VALUES[type(converter)]
        return reverse(self.name, kwargs=kwargs)


def non_admin_routes() -> list[Route]:
    """Every URL pattern of the project except those under /admin/, walked recursively."""
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str, convs: tuple) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(ADMIN_PREFIX):
                continue
            here = convs + tuple(getattr(pattern.pattern, "converters", {}).items())
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                walk(pattern.url_patterns, route, inner, here)
            elif isinstance(pattern, URLPattern):
                # An unnamed pattern cannot be listed by name: its route stands in, and the
                # coverage test then fails until it is named and listed.
                name = (
                    ":".join(n for n in (namespace, pattern.name) if n) if pattern.name else route
                )
                routes.append(Route(name=name, route=route, converters=here))

    walk(get_resolver().url_patterns, "", "", ())
    return routes
