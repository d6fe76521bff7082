"""Walk every URL pattern of the project and build a concrete path for each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route text for an unnamed pattern
    template: str  # the joined route, e.g. "referrals/<int:pk>/"
    params: tuple[str, ...]

    def path(self, values: dict[str, str]) -> str:
        def conv(m):
            return str(values.get(m.group("name"), values.get("object_id", 1)))

        def group(m):
            name = m.group("name")
            if name in values:
                return str(values[name])
            return m.group("body").split("|")[0]

        text = CONVERTER.sub(conv, self.template)
        text = REGEX_GROUP.sub(group, text)
        return "/" + text.replace("^", "").replace("$", "").replace("\\", "")


def _text(pattern) -> str:
    return str(pattern.pattern)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            text = prefix + _text(p)
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if namespace and p.namespace:
                    ns = f"{namespace}:{p.namespace}"
                walk(p.url_patterns, text, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                params = tuple(m.group("name") for m in CONVERTER.finditer(text)) + tuple(
                    m.group("name") for m in REGEX_GROUP.finditer(text)
                )
                routes.append(Route(key=name or text, template=text, params=params))

    walk(get_resolver().url_patterns, "", None)
    return routes
