"""Permission-matrix entries for the channel_panel app (url name -> rule).

An area module of test_url_matrix.py: PREFIX names its url names; build(world, refs) makes
its scenario records once per module; scenarios(route) lists the scenarios a route is
walked in; values(route, scenario, objects) fills the route's parameters.
"""

PREFIX = "channel_panel:"


def build(world, refs) -> dict:
    return {}


def scenarios(route) -> list[str]:
    return ["own"]


def values(route, scenario, objects) -> dict:
    return {}


EXPECTED: dict = {}
