"""Fictional names made from syllables. No list of real people's names is used, and nothing
from the council papers: a name is two or three syllables and, for a family name, an ending."""

from __future__ import annotations

import random

_ONSETS = ["b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"]
_ONSETS += ["br", "dr", "fl", "gr", "kr", "pr", "st", "th", "tr", "vr", "zh"]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "ai", "ei", "ou", "y"]
_CODAS = ["", "", "", "n", "l", "r", "s", "th", "m", "x", "nd", "rk"]
_FAMILY_ENDINGS = ["by", "ton", "wick", "more", "ley", "field", "ham", "combe", "ridge", "dale"]
_PLACE_ENDINGS = ["ford", "bury", "stead", "mouth", "wich", "thorpe"]
_STREETS = ["Road", "Street", "Lane", "Close", "Avenue", "Way", "Gardens", "Crescent"]


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def given_name(rng: random.Random) -> str:
    return "".join(_syllable(rng) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def family_name(rng: random.Random) -> str:
    return (_syllable(rng) + _syllable(rng) + rng.choice(_FAMILY_ENDINGS)).capitalize()


def place_name(rng: random.Random) -> str:
    return (_syllable(rng) + rng.choice(_PLACE_ENDINGS)).capitalize()


def address(rng: random.Random) -> str:
    return f"{rng.randint(1, 240)} {family_name(rng)} {rng.choice(_STREETS)}, {place_name(rng)}"


def postcode(rng: random.Random) -> str:
    """Postcodes in the ZZ area, which the Royal Mail does not use: never a real address."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
