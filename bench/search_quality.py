"""Search quality: a small judged set and its mean reciprocal rank (issue 17; docs/search.md,
"Quality").

A fixed corpus of 60 media in English and French (titles, descriptions, tags, a few subtitle
tracks, authors) and 50 queries, each with the media a reader means: one word or several, word
forms, accents typed or not, phrases, exclusions, an author's name, words said only in a
subtitle track, and typos. Each query goes through ``GET /api/v1/search`` as a reader's would;
when a query finds nothing and the answer suggests another ("did you mean"), the suggestion is
followed, as the search page offers. The reciprocal rank of a query is 1/position of the first
wanted media in the results (0 when absent from the first page); the mean over the 50 is the
figure to compare ranking changes by.

Runs in a throwaway database beside ``DATABASE_URL``'s (Django's test database, created,
migrated and dropped), with ``REDIS_URL``'s cache:

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/search_quality.py [-v]

Prints every query whose wanted media is not first, and the MRR. Exit 1 if a request fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.test")

import django  # noqa: E402

django.setup()  # (a no-op when imported by the test suite, where Django is set up already)

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

# key: (language, title, description, tags, author, subtitle text, age in days)
CORPUS = {
    "flood-valley": (
        "en",
        "Floods sweep the northern valley",
        "Rivers burst their banks after a week of rain; villages evacuated.",
        ["floods", "weather"],
        "ana",
        "",
        3,
    ),
    "flood-aid": (
        "en",
        "Aid convoys reach flooded villages",
        "Trucks with food and water arrive two days after the river rose.",
        ["floods", "aid"],
        "kofi",
        "",
        10,
    ),
    "flood-insurance": (
        "en",
        "Who pays when the river rises?",
        "Insurers and the state argue over flood damage claims.",
        ["insurance", "economy"],
        "lena",
        "",
        40,
    ),
    "drought-farms": (
        "en",
        "Drought empties the grain stores",
        "Farmers sell cattle as the dry season lengthens.",
        ["drought", "farming"],
        "kofi",
        "",
        120,
    ),
    "election-night": (
        "en",
        "Election night in Nairobi",
        "Counting goes on past midnight at the tallying centre.",
        ["elections", "kenya"],
        "ana",
        "",
        5,
    ),
    "election-fraud": (
        "en",
        "Observers report ballot stuffing",
        "Monitors filmed boxes arriving already full at two polling stations.",
        ["elections", "fraud"],
        "ana",
        "",
        6,
    ),
    "election-turnout": (
        "en",
        "Turnout falls to a twenty-year low",
        "Young voters stayed home, the commission's figures show.",
        ["elections", "youth"],
        "lena",
        "",
        300,
    ),
    "mine-collapse": (
        "en",
        "Miners trapped after gold mine collapse",
        "Rescue teams dig through the night at the illegal mine.",
        ["mining", "accidents"],
        "kofi",
        "",
        15,
    ),
    "mine-children": (
        "en",
        "Children working in cobalt mines",
        "An investigation into the supply chain of phone batteries.",
        ["mining", "children", "investigation"],
        "lena",
        "",
        200,
    ),
    "port-strike": (
        "en",
        "Dock workers strike over unpaid wages",
        "Ships queue outside the harbour as the strike enters its third day.",
        ["labour", "port"],
        "ana",
        "",
        20,
    ),
    "port-smuggling": (
        "en",
        "Smuggling ring uncovered at the port",
        "Customs officers were paid to wave containers through.",
        ["corruption", "port"],
        "kofi",
        "",
        60,
    ),
    "hospital-shortage": (
        "en",
        "Hospitals run out of oxygen",
        "Doctors describe rationing oxygen between patients.",
        ["health", "hospitals"],
        "lena",
        "",
        8,
    ),
    "vaccine-campaign": (
        "en",
        "Vaccination campaign reaches remote islands",
        "Nurses travel by boat to vaccinate children against measles.",
        ["health", "vaccines"],
        "ana",
        "",
        90,
    ),
    "school-fees": (
        "en",
        "Parents protest rising school fees",
        "A march on the ministry of education ends peacefully.",
        ["education", "protest"],
        "kofi",
        "",
        30,
    ),
    "teachers-unpaid": (
        "en",
        "Teachers unpaid for six months",
        "Schools close as teachers refuse to work without salaries.",
        ["education", "labour"],
        "lena",
        "",
        45,
    ),
    "journalist-arrest": (
        "en",
        "Journalist detained at the border",
        "Press freedom groups demand the reporter's release.",
        ["press freedom"],
        "ana",
        "",
        2,
    ),
    "internet-shutdown": (
        "en",
        "Internet shut down ahead of the vote",
        "Mobile data was cut in three regions the night before polling.",
        ["internet", "elections"],
        "kofi",
        "",
        7,
    ),
    "deforestation": (
        "en",
        "Satellite images show forest loss",
        "Logging roads cut deeper into the protected reserve.",
        ["environment", "forests"],
        "lena",
        "",
        150,
    ),
    "oil-spill": (
        "en",
        "Oil spill blackens the delta",
        "Fishermen say the pipeline leaked for weeks before repairs.",
        ["environment", "oil"],
        "ana",
        "",
        25,
    ),
    "fuel-prices": (
        "en",
        "Fuel prices double overnight",
        "Queues form at petrol stations after subsidies end.",
        ["economy", "fuel"],
        "kofi",
        "",
        12,
    ),
    "currency-crash": (
        "en",
        "The currency loses a third of its value",
        "Importers struggle to pay for medicine and grain.",
        ["economy", "currency"],
        "lena",
        "",
        50,
    ),
    "housing-evictions": (
        "en",
        "Families evicted to make way for a mall",
        "Bulldozers arrived at dawn without notice.",
        ["housing", "evictions"],
        "ana",
        "",
        18,
    ),
    "refugee-camp": (
        "en",
        "Inside the camp at the border",
        "Forty thousand people wait for registration in tents.",
        ["refugees", "migration"],
        "kofi",
        "",
        70,
    ),
    "migrants-sea": (
        "en",
        "Migrants rescued at sea",
        "A fishing boat carried ninety people; twelve were missing.",
        ["migration", "sea"],
        "lena",
        "",
        35,
    ),
    "police-shooting": (
        "en",
        "Police shooting sparks protests",
        "Witnesses contradict the official account of the night.",
        ["police", "protest"],
        "ana",
        "",
        4,
    ),
    "court-verdict": (
        "en",
        "Former minister convicted of embezzlement",
        "The court found he diverted funds meant for roads.",
        ["corruption", "courts"],
        "kofi",
        "",
        22,
    ),
    "water-privatisation": (
        "en",
        "Water bills triple after privatisation",
        "Residents of the capital say taps run dry for days.",
        ["water", "economy"],
        "lena",
        "",
        100,
    ),
    "locust-swarm": (
        "en",
        "Locust swarms devour crops",
        "Farmers watch as swarms strip fields in hours.",
        ["farming", "locusts"],
        "kofi",
        "",
        400,
    ),
    "earthquake": (
        "en",
        "Earthquake levels the old town",
        "Rescuers search rubble for survivors of the magnitude 6 quake.",
        ["earthquake", "disasters"],
        "ana",
        "",
        1,
    ),
    "heatwave": (
        "en",
        "Heatwave closes schools",
        "Temperatures above 45 degrees for a week.",
        ["weather", "climate"],
        "lena",
        "",
        13,
    ),
    "subtitle-only": (
        "en",
        "Evening bulletin",
        "The day's news in ten minutes.",
        ["bulletin"],
        "ana",
        "the fishermen of the lagoon say the catch has vanished",
        9,
    ),
    "subtitle-only-2": (
        "en",
        "Morning bulletin",
        "The morning's headlines.",
        ["bulletin"],
        "kofi",
        "the referendum on the constitution is set for spring",
        11,
    ),
    "fr-inondations": (
        "fr",
        "Les inondations ravagent la vallée",
        "Les rivières débordent après une semaine de pluie.",
        ["inondations", "météo"],
        "camille",
        "",
        4,
    ),
    "fr-elections": (
        "fr",
        "Élections présidentielles : le dépouillement continue",
        "Les bureaux de vote ferment, les observateurs restent.",
        ["élections"],
        "camille",
        "",
        6,
    ),
    "fr-greve": (
        "fr",
        "Grève des enseignants à Dakar",
        "Les écoles publiques restent fermées pour la troisième semaine.",
        ["éducation", "grève"],
        "moussa",
        "",
        14,
    ),
    "fr-hopital": (
        "fr",
        "L'hôpital manque de médecins",
        "Les urgences ferment la nuit faute de personnel.",
        ["santé", "hôpitaux"],
        "camille",
        "",
        30,
    ),
    "fr-secheresse": (
        "fr",
        "La sécheresse frappe le Sahel",
        "Les éleveurs partent plus tôt vers le sud avec leurs troupeaux.",
        ["sécheresse", "élevage"],
        "moussa",
        "",
        80,
    ),
    "fr-corruption": (
        "fr",
        "Un réseau de corruption au port",
        "Des douaniers payés pour laisser passer les conteneurs.",
        ["corruption", "port"],
        "camille",
        "",
        55,
    ),
    "fr-migrants": (
        "fr",
        "Des migrants secourus en mer",
        "Un bateau de pêche transportait quatre-vingt-dix personnes.",
        ["migrations"],
        "moussa",
        "",
        33,
    ),
    "fr-journaliste": (
        "fr",
        "Un journaliste arrêté à la frontière",
        "Les organisations de défense de la presse demandent sa libération.",
        ["liberté de la presse"],
        "camille",
        "",
        3,
    ),
    "fr-mine": (
        "fr",
        "Effondrement d'une mine d'or",
        "Des mineurs pris au piège, les secours creusent toute la nuit.",
        ["mines", "accidents"],
        "moussa",
        "",
        16,
    ),
    "fr-carburant": (
        "fr",
        "Le prix du carburant double",
        "Files d'attente devant les stations-service.",
        ["économie", "carburant"],
        "camille",
        "",
        12,
    ),
    "fr-deforestation": (
        "fr",
        "La forêt recule sous les tronçonneuses",
        "Des images satellites montrent les routes forestières.",
        ["environnement", "forêts"],
        "moussa",
        "",
        140,
    ),
    "fr-expulsions": (
        "fr",
        "Des familles expulsées pour un centre commercial",
        "Les bulldozers sont arrivés à l'aube.",
        ["logement", "expulsions"],
        "camille",
        "",
        19,
    ),
    "fr-seisme": (
        "fr",
        "Un séisme détruit la vieille ville",
        "Les secouristes cherchent des survivants dans les décombres.",
        ["séisme", "catastrophes"],
        "moussa",
        "",
        2,
    ),
    "fr-canicule": (
        "fr",
        "Canicule : les écoles ferment",
        "Plus de 45 degrés pendant une semaine.",
        ["météo", "climat"],
        "camille",
        "",
        13,
    ),
    "fr-vaccination": (
        "fr",
        "Campagne de vaccination dans les îles",
        "Les infirmières voyagent en bateau pour vacciner les enfants.",
        ["santé", "vaccins"],
        "moussa",
        "",
        85,
    ),
    "fr-police": (
        "fr",
        "Des manifestations après un tir policier",
        "Les témoins contredisent la version officielle.",
        ["police", "manifestations"],
        "camille",
        "",
        5,
    ),
    "fr-proces": (
        "fr",
        "Un ancien ministre condamné pour détournement",
        "Le tribunal a jugé qu'il avait détourné les fonds des routes.",
        ["corruption", "justice"],
        "moussa",
        "",
        21,
    ),
    "fr-eau": (
        "fr",
        "Les factures d'eau triplent",
        "Les habitants de la capitale restent sans eau pendant des jours.",
        ["eau", "économie"],
        "camille",
        "",
        95,
    ),
    "fr-criquets": (
        "fr",
        "Les criquets dévorent les récoltes",
        "Des essaims ravagent les champs en quelques heures.",
        ["agriculture", "criquets"],
        "moussa",
        "",
        380,
    ),
    "fr-bulletin": (
        "fr",
        "Journal du soir",
        "L'actualité du jour en dix minutes.",
        ["journal"],
        "camille",
        "les pêcheurs de la lagune disent que le poisson a disparu",
        9,
    ),
    "old-flood": (
        "en",
        "The great flood of 2016",
        "Archive footage of the worst floods in memory.",
        ["floods", "archive"],
        "lena",
        "",
        3600,
    ),
    "old-election": (
        "en",
        "Election 2017: the rerun",
        "The supreme court annulled the first vote.",
        ["elections", "archive"],
        "ana",
        "",
        3200,
    ),
    "interview-minister": (
        "en",
        "Interview with the finance minister",
        "On debt, the budget and the currency.",
        ["interview", "economy"],
        "kofi",
        "",
        28,
    ),
    "budget-speech": (
        "en",
        "Budget speech: what changes for households",
        "Taxes on fuel and bread explained.",
        ["budget", "economy"],
        "lena",
        "",
        26,
    ),
    "cyclone": (
        "en",
        "Cyclone makes landfall on the coast",
        "Winds of 180 km/h tear roofs from houses.",
        ["cyclone", "weather"],
        "ana",
        "",
        17,
    ),
    "football": (
        "en",
        "Local club wins the cup",
        "Thousands celebrate in the streets.",
        ["sport", "football"],
        "kofi",
        "",
        23,
    ),
    "music-festival": (
        "en",
        "Festival returns after five years",
        "Musicians from twelve countries play by the lake.",
        ["culture", "music"],
        "lena",
        "",
        60,
    ),
    "solar-village": (
        "en",
        "A village runs on solar power",
        "Panels on every roof and a battery shed by the school.",
        ["energy", "solar"],
        "ana",
        "",
        110,
    ),
}

AUTHORS = {
    "ana": "Ana Reyes",
    "kofi": "Kofi Mensah",
    "lena": "Lena Okoro",
    "camille": "Camille Durand",
    "moussa": "Moussa Diallo",
}

# query -> the media a reader means (the first of them found counts)
QUERIES = [
    ("floods", ["flood-valley", "flood-aid"]),
    ("flooded villages", ["flood-aid"]),
    ("flood damage insurance", ["flood-insurance"]),
    ("election", ["election-night", "election-fraud"]),
    ("election nairobi", ["election-night"]),
    ("ballot stuffing", ["election-fraud"]),
    ("flood archive", ["old-flood"]),
    ("gold mine collapse", ["mine-collapse"]),
    ("cobalt children", ["mine-children"]),
    ("dock strike", ["port-strike"]),
    ("smuggling port", ["port-smuggling"]),
    ("oxygen hospitals", ["hospital-shortage"]),
    ("measles vaccination", ["vaccine-campaign"]),
    ("school fees protest", ["school-fees"]),
    ("teachers salaries", ["teachers-unpaid"]),
    ("journalist detained", ["journalist-arrest"]),
    ("internet shutdown", ["internet-shutdown"]),
    ("oil spill delta", ["oil-spill"]),
    ("fuel subsidies", ["fuel-prices"]),
    ("economy minister", ["interview-minister"]),
    ("evictions mall", ["housing-evictions"]),
    ("refugee camp", ["refugee-camp"]),
    ("migrants rescued", ["migrants-sea", "fr-migrants"]),
    ("police shooting", ["police-shooting"]),
    ("minister embezzlement", ["court-verdict"]),
    ("water privatisation", ["water-privatisation"]),
    ("locusts", ["locust-swarm"]),
    ("earthquake survivors", ["earthquake"]),
    ("schools closed heat", ["heatwave"]),
    ('"polling stations"', ["election-fraud"]),
    ("elections -archive", ["election-night", "election-fraud"]),
    ("fishermen lagoon", ["subtitle-only"]),
    ("referendum constitution", ["subtitle-only-2"]),
    ("Kofi Mensah mine", ["mine-collapse"]),
    ("inondations vallée", ["fr-inondations"]),
    ("inondation", ["fr-inondations"]),
    ("elections presidentielles", ["fr-elections"]),
    ("grève enseignants", ["fr-greve"]),
    ("hopital medecins", ["fr-hopital"]),
    ("secheresse sahel", ["fr-secheresse"]),
    ("douaniers corruption", ["fr-corruption"]),
    ("séisme", ["fr-seisme"]),
    ("pêcheurs lagune", ["fr-bulletin"]),
    ("criquets", ["fr-criquets"]),
    ("electoin nairobi", ["election-night"]),
    ("earthqake", ["earthquake"]),
    ("vaccinaton campaign", ["vaccine-campaign"]),
    ("corruptoin port", ["port-smuggling", "fr-corruption"]),
    ("cyclone", ["cyclone"]),
    ("solar village", ["solar-village"]),
]


def load_corpus() -> dict[str, str]:
    from media_app.models import Subtitle, Tag, User
    from tests.factories import MediaFactory

    now = timezone.now()
    users = {
        key: User.objects.create(username=key, name=name, is_verified_journalist=True)
        for key, name in AUTHORS.items()
    }
    tokens = {}
    for key, (lang, title, description, tags, author, said, age) in CORPUS.items():
        media = MediaFactory(
            user=users[author],
            title=title,
            description=description,
            language=lang,
            add_date=now - timedelta(days=age),
        )
        media.tags.set([Tag.objects.get_or_create(title=t)[0] for t in tags])
        if said:
            Subtitle.objects.create(media=media, language=lang, file=f"{key}.vtt", text=said)
        tokens[media.friendly_token] = key
    return tokens


def evaluate(client, tokens: dict[str, str], *, verbose: bool = False, out=print) -> float:
    """The mean reciprocal rank of QUERIES over the corpus ``tokens`` (token -> key) names."""
    total, followed = 0.0, 0
    for query, wanted in QUERIES:
        response = client.get("/api/v1/search", {"q": query})
        if response.status_code != 200:
            raise RuntimeError(f"{query!r}: answered {response.status_code}")
        body = response.json()
        asked = query
        if not body["results"] and body.get("suggestion"):
            asked = body["suggestion"]
            followed += 1
            body = client.get("/api/v1/search", {"q": asked}).json()
        found = [tokens.get(row["friendly_token"]) for row in body["results"]]
        rank = next((i + 1 for i, key in enumerate(found) if key in wanted), None)
        rr = 1 / rank if rank else 0.0
        total += rr
        if verbose or rr < 1:
            via = f" (via suggestion {asked!r})" if asked != query else ""
            out(f"{rr:5.2f}  {query!r}{via}: wanted {wanted}, got {found[:5]}")
    mrr = total / len(QUERIES)
    out(
        f"MRR {mrr:.3f} over {len(QUERIES)} queries ({followed} followed a suggestion); "
        f"corpus {len(CORPUS)} media"
    )
    return mrr


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true", help="every query's ranks")
    args = parser.parse_args()
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from media_app.services.search import refresh_terms

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        cache.clear()
        tokens = load_corpus()
        refresh_terms()
        try:
            evaluate(APIClient(), tokens, verbose=args.verbose)
        except RuntimeError as exc:
            print(f"FAILED {exc}")
            return 1
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
