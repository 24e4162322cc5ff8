"""Texts with a Zipf-like word distribution, from the vocabularies of :mod:`media_app.demo.words`.

Everything draws from one ``random.Random`` handed in by the caller, so a seed gives the same
archive every time. The k-th most frequent item of a list is drawn with weight ``1 / k**s``
(Zipf's law, ``s`` about 1 for words in natural language), which gives the long tail of real
titles, tags and categories: a few items everywhere, most items rare.
"""

from __future__ import annotations

import bisect
import itertools
import random

from media_app.demo.words import FIRST_NAMES, LANGUAGE_WEIGHTS, LANGUAGES, LAST_NAMES


class Zipf:
    """Draws items of ``items`` (most frequent first) with weight ``1 / rank**s``."""

    def __init__(self, items, s: float = 1.0):
        self.items = list(items)
        self.cum = list(itertools.accumulate(1.0 / (k**s) for k in range(1, len(self.items) + 1)))

    def index(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cum, rng.random() * self.cum[-1])

    def __call__(self, rng: random.Random):
        return self.items[self.index(rng)]

    def sample(self, rng: random.Random, k: int) -> list:
        """``k`` distinct items (fewer when the list is shorter)."""
        k = min(k, len(self.items))
        seen: dict = {}
        tries = 0
        while len(seen) < k and tries < k * 20:
            item = self(rng)
            seen.setdefault(item, None)
            tries += 1
        return list(seen)


class Language:
    """One language's samplers."""

    def __init__(self, code: str):
        vocab = LANGUAGES[code]
        self.code = code
        self.function = Zipf(vocab["function"], 1.1)
        self.nouns = Zipf(vocab["nouns"], 0.9)
        self.verbs = Zipf(vocab["verbs"], 1.0)
        self.adjectives = Zipf(vocab["adjectives"], 1.0)
        self.topics = vocab["topics"]
        # Words of running text: function words are the head, content words the tail.
        self.words = Zipf(
            vocab["function"] + vocab["nouns"] + vocab["verbs"] + vocab["adjectives"], 1.0
        )

    def title(self, rng: random.Random) -> str:
        shape = rng.random()
        if shape < 0.4:
            parts = [self.adjectives(rng), self.nouns(rng), self.verbs(rng), self.nouns(rng)]
        elif shape < 0.7:
            parts = [self.nouns(rng), self.function(rng), self.nouns(rng), self.verbs(rng)]
            parts += [self.function(rng), self.nouns(rng)]
        else:
            parts = [self.nouns(rng), self.verbs(rng), self.adjectives(rng), self.nouns(rng)]
        text = " ".join(parts)
        return (text[:1].upper() + text[1:])[:100]

    def sentence(self, rng: random.Random, low: int = 6, high: int = 16) -> str:
        words = [self.words(rng) for _ in range(rng.randint(low, high))]
        text = " ".join(words)
        stop = "؟" if self.code == "ar" and rng.random() < 0.1 else "."
        return text[:1].upper() + text[1:] + stop

    def paragraph(self, rng: random.Random, low: int = 1, high: int = 4) -> str:
        return " ".join(self.sentence(rng) for _ in range(rng.randint(low, high)))


LANGS = {code: Language(code) for code in LANGUAGES}
_LANG_CODES = list(LANGUAGE_WEIGHTS)
_LANG_CUM = list(itertools.accumulate(LANGUAGE_WEIGHTS.values()))


def pick_language(rng: random.Random) -> Language:
    code = _LANG_CODES[bisect.bisect_left(_LANG_CUM, rng.random() * _LANG_CUM[-1])]
    return LANGS[code]


def tag_pool() -> list[str]:
    """Tag titles, most used first: every language's topics, then a long tail of place-like
    and subject compounds (``flood-harbour``) that each carry only a few media."""
    heads = [t.lower() for code in _LANG_CODES for t in LANGUAGES[code]["topics"]]
    tail = []
    for code in _LANG_CODES:
        nouns = LANGUAGES[code]["nouns"]
        for a, b in zip(nouns, nouns[7:] + nouns[:7], strict=True):
            tail.append(f"{a}-{b}".lower()[:100])
    return list(dict.fromkeys(heads + tail))


def display_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
