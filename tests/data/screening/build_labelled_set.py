"""Build the labelled screening set (``labelled.csv``) from the real OFAC SDN file in ../shared/data.

Run: ``uv run python tests/data/screening/build_labelled_set.py``. Deterministic (seeded): the same file
gives the same set. Each row: ``name, kind, birth_year, expected`` — ``expected`` is the OFAC entry number a
screening must find, or empty for an ordinary name that is on no list. Positives are real list names altered
the way real data differs from a list (parts reordered, a middle name dropped, a typo, a transliteration
variant, the year of birth one off); ordinary names are common first names and surnames combined, minus any
that a list entry actually carries.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.names import words
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[3] / "shared" / "data" / "ofac-sdn-2024-05-03.csv"
SEED = 20240503
PEOPLE, ORGANISATIONS = 220, 60
TRANSLITERATIONS = [("mohammed", "muhammad"), ("muhammad", "mohamed"), ("mohammad", "muhammed"),
                    ("ou", "u"), ("oo", "u"), ("ee", "i"), ("kh", "h"), ("ph", "f"), ("y", "i"), ("i", "y"),
                    ("abdul", "abdel"), ("sh", "ch"), ("ei", "ey"), ("j", "dj"), ("q", "k"), ("v", "w")]
FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret
Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa
George Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Helen Jeffrey Sharon Ryan Cynthia Jacob Kathleen
Lukas Hannah Felix Lena Jonas Sophie Matteo Giulia Lorenzo Chiara Hugo Camille Louis Chloe Lucas Ines""".split()
LAST = """Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson
Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson
Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers
Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes
Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Rossi Bianchi Ferrari Esposito
Dubois Durand Lefebvre Moreau Laurent Simon Michel Janssen Visser Bakker""".split()


def typo(name: str, rng: random.Random) -> str:
    parts = name.split()
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    word = parts[longest]
    if len(word) < 5:
        return name
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "swap", "double", "replace"))
    if how == "drop":
        word = word[:i] + word[i + 1:]
    elif how == "swap":
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif how == "double":
        word = word[:i] + word[i] + word[i:]
    else:
        near = "aeiou" if word[i].lower() in "aeiou" else "bcdfghklmnprstvz"
        letter = rng.choice([c for c in near if c != word[i].lower()])
        word = word[:i] + (letter.upper() if word[i].isupper() else letter) + word[i + 1:]
    parts[longest] = word
    return " ".join(parts)


def transliterated(name: str, rng: random.Random) -> str:
    lower = name.lower()
    options = [(a, b) for a, b in TRANSLITERATIONS if re.search(a, lower)]
    if not options:
        return typo(name, rng)
    a, b = rng.choice(options)
    return re.sub(a, b, lower, count=1)


def variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    parts = name.split()
    out = [("reordered", " ".join(parts[-1:] + parts[:-1])), ("typo", typo(name, rng)),
           ("transliterated", transliterated(name, rng))]
    if len(parts) >= 3:
        drop = rng.randrange(1, len(parts) - 1)
        out.append(("middle dropped", " ".join(parts[:drop] + parts[drop + 1:])))
    return out


def main() -> None:
    rng = random.Random(SEED)
    entries = parse_sdn_csv(SOURCE.read_bytes())
    people = [e for e in entries if e.kind is EntityKind.PERSON and len(words(e.primary_name)) >= 2
              and all(len(w) > 1 for w in words(e.primary_name))]
    organisations = [e for e in entries if e.kind is EntityKind.ORGANISATION and len(words(e.primary_name)) >= 2]
    rows = []
    for entry in rng.sample(people, PEOPLE):
        for how, name in variants(entry.primary_name, rng):
            rows.append((name, "person", "", entry.entry_id, how))
        years = sorted({int(d[:4]) for d in entry.birth_dates})
        if years:
            rows.append((entry.primary_name, "person", str(years[0] + rng.choice((-1, 1))), entry.entry_id,
                         "year of birth one off"))
    for entry in rng.sample(organisations, ORGANISATIONS):
        rows.append((typo(entry.primary_name, rng), "organisation", "", entry.entry_id, "typo"))
        rows.append((entry.primary_name.replace(",", "").title(), "organisation", "", entry.entry_id, "case"))
    listed = {frozenset(words(n.text)) for e in entries for n in e.names}
    ordinary = [f"{f} {s}" for f in FIRST for s in LAST if frozenset(words(f"{f} {s}")) not in listed]
    for name in rng.sample(ordinary, 2000):
        rows.append((name, "person", str(rng.randrange(1940, 2005)), "", "ordinary"))
    with (HERE / "labelled.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(("name", "kind", "birth_year", "expected", "alteration"))
        writer.writerows(rows)
    print(f"{len(rows)} rows ({sum(1 for r in rows if r[3])} listed, {sum(1 for r in rows if not r[3])} ordinary)")


if __name__ == "__main__":
    main()
