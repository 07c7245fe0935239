"""The review page's HTML, read back with a parser: text kept exactly, marks and anchors, the
policy that forbids network loads, the correction commands, and what it warns about."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from anonymizer.review.html import CSP, document, escape
from anonymizer.review.page import render_review_page, shell_word
from anonymizer.store.released import Released, engine_text, load_released
from anonymizer.store.review_marks import ReviewData, ReviewMark

WHEN = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)


class Tree(HTMLParser):
    """Elements with their attributes, the text inside each id'd element, and the head's metas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_of: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._collect: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if tag in ("meta", "br", "link", "img", "input"):
            return
        ident = values.get("id")
        self._open.append((tag, ident))
        if ident:
            self._collect[ident] = []

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, ident = self._open.pop()
            if ident:
                self.text_of[ident] = "".join(self._collect.pop(ident))
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self._collect.values():
            parts.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        def matches(attrs: dict[str, str]) -> bool:
            for key, value in wanted.items():
                have = attrs.get(key.rstrip("_").replace("_", "-"))
                if key == "class_" and value not in (have or "").split():
                    return False
                if key != "class_" and have != value:
                    return False
            return True

        return [a for t, a in self.elements if t == tag and matches(a)]


def parse(page: str) -> Tree:
    tree = Tree()
    tree.feed(page)
    tree.close()
    return tree


def released(tmp_path: Path, text: str, marks: list[ReviewMark], flags: list[ReviewMark],
             meta: dict | None = None) -> Released:
    return Released(tmp_path / "P07_wave2.meta.json",
                    meta or {"participant": 7, "wave": "wave2",
                             "ethics": {"registry_entry": "REK vest 2030/0001"}},
                    tmp_path / "P07_wave2.txt", text, ReviewData(tuple(marks), tuple(flags)),
                    ())


def test_the_text_comes_through_exactly_and_markup_in_it_stays_text(tmp_path: Path) -> None:
    text = ('Interviewer: <script>alert("x")</script> & "quotes" \'too\'\n'
            "[Participant 7]: I met [Person 1] at <b>[Place 2]</b> in 2019.\n")
    start = text.index("[Person 1]")
    place = text.index("[Place 2]")
    year = text.index("2019")
    page = render_review_page(released(
        tmp_path, text,
        [ReviewMark(start, start + 10, "PERSON", "spacy_ner", 0.85),
         ReviewMark(place, place + 9, "LOCATION", "gazetteer", 0.7)],
        [ReviewMark(year, year + 4, "number")]), generated_at=WHEN)
    tree = parse(page)
    assert tree.text_of["clean-text"] == text
    assert tree.find("script") == []
    assert "&lt;script&gt;alert(&quot;x&quot;)" in page and "&lt;b&gt;<mark" in page
    person = tree.find("mark", id="r1")[0]
    assert person["class"] == "rep" and person["data-kind"] == "PERSON"
    assert person["title"] == "PERSON · detector spacy_ner · score 0.85"
    assert tree.text_of["r1"] == "[Person 1]" and tree.text_of["r2"] == "[Place 2]"
    assert tree.find("mark", id="f1")[0]["data-reason"] == "number"
    assert tree.text_of["f1"] == "2019"


def test_every_mark_has_an_anchor_and_a_jump_list_entry(tmp_path: Path) -> None:
    text = "A [Person 1] and [Person 2] went to [Place 1] in 2019, then 2020.\n"
    marks = [ReviewMark(text.index(s), text.index(s) + len(s), k, "d", 1.0)
             for s, k in (("[Person 1]", "PERSON"), ("[Person 2]", "PERSON"),
                          ("[Place 1]", "LOCATION"))]
    flags = [ReviewMark(text.index("2019"), text.index("2019") + 4, "date"),
             ReviewMark(text.index("2019"), text.index("2019") + 5, "number"),  # overlaps
             ReviewMark(text.index("2020"), text.index("2020") + 4, "number")]
    tree = parse(render_review_page(released(tmp_path, text, marks, flags),
                                    generated_at=WHEN))
    links = [a["href"] for a in tree.find("a") if a.get("href", "").startswith(("#r", "#f"))]
    assert links == ["#r1", "#r2", "#r3", "#f1", "#f2", "#f3"]
    ids = {a.get("id") for _, a in tree.elements}
    assert {"r1", "r2", "r3", "f1", "f2", "f3"} <= ids
    # the overlapping date and number flags are one mark naming both reasons; f2 an anchor
    grouped = tree.find("mark", id="f1")[0]
    assert grouped["data-reason"] == "date + number"
    assert tree.text_of["f1"] == "2019,"
    assert tree.find("a", id="f2", class_="anchor")
    assert tree.text_of["clean-text"] == text
    counts = {li.get("data-kind") for li in tree.find("li") if li.get("data-kind")}
    assert counts == {"PERSON", "LOCATION", "date", "number"}


def test_the_page_loads_nothing_and_runs_nothing(tmp_path: Path) -> None:
    page = render_review_page(released(tmp_path, "hello [Person 1]\n",
                                       [ReviewMark(6, 16, "PERSON", "x", 1.0)], []),
                              generated_at=WHEN)
    tree = parse(page)
    metas = tree.find("meta")
    assert metas[0] == {"charset": "utf-8"}
    assert metas[1]["http-equiv"] == "Content-Security-Policy" and metas[1]["content"] == CSP
    assert "default-src 'none'" in CSP and "script-src 'none'" in CSP
    for tag in ("script", "link", "img", "iframe", "object", "embed", "form", "base"):
        assert tree.find(tag) == [], tag
    assert not any("src" in attrs for _, attrs in tree.elements)
    assert not any(a.get("href", "#").split("#")[0] for a in tree.find("a"))
    assert "url(" not in page and "@import" not in page and "@font-face" not in page


def test_a_flagged_word_comes_with_its_add_deny_command(tmp_path: Path) -> None:
    text = "I worked with Brattvoll and O'Rourke at the mill; see $HOME.\n"
    flags = [ReviewMark(text.index(w), text.index(w) + len(w), r) for w, r in (
        ("Brattvoll", "capitalised_unknown"), ("O'Rourke", "kept_person"),
        ("mill", "occupation"), ("$HOME", "kept_location"))]
    tree = parse(render_review_page(released(tmp_path, text, [], flags), generated_at=WHEN))
    commands = [tree.text_of[i] for i in tree.text_of if i == "corrections"][0]
    assert 'anonymizer rules add-deny "Brattvoll" --kind person' in commands
    assert "anonymizer rules add-deny \"O'Rourke\" --kind person" in commands
    assert "anonymizer rules add-deny '$HOME' --kind place" in commands
    assert "mill" not in commands.split("add-deny")[-1]  # occupations get no deny command
    assert 'anonymizer rules add-allow "…"' in commands
    assert "anonymizer review P07_wave2 --accept" in commands
    assert "anonymizer store rerun P07_wave2" in commands


@pytest.mark.parametrize(("text", "word"), [
    ("Kari", '"Kari"'), ("Tromsø", '"Tromsø"'), ("St. Olavs", '"St. Olavs"'),
    ('say "hi"', "'say \"hi\"'"), ("$(rm)", "'$(rm)'"), ("a`b`", "'a`b`'"),
    ("back\\slash", "'back\\slash'"),
])
def test_commands_quote_what_they_show(text: str, word: str) -> None:
    assert shell_word(text) == word


def test_subtitle_stamps_are_mapped_around(tmp_path: Path) -> None:
    clean = "Interviewer: hi\n[Participant 7]: hello [Person 1]"
    shown = "[00:00:01] Interviewer: hi\n[00:00:04] [Participant 7]: hello [Person 1]\n"
    text, mapping = engine_text(shown, "vtt")
    assert text == clean
    start = clean.index("[Person 1]")
    assert shown[mapping(start):mapping(start + 10)] == "[Person 1]"
    # a plain text file keeps a line that starts like a stamp as it is
    assert engine_text(shown, "txt")[0] == shown[:-1]


def test_review_data_of_a_subtitle_file_lands_on_the_released_text(tmp_path: Path) -> None:
    shown = "[00:00:01] Interviewer: hi\n[00:00:04] [Participant 7]: hello [Person 1]\n"
    clean = "Interviewer: hi\n[Participant 7]: hello [Person 1]"
    folder = tmp_path / "P07" / "wave2"
    folder.mkdir(parents=True)
    import hashlib

    (folder / "P07_wave2.txt").write_text(shown, encoding="utf-8")
    meta = {"format": "anonymizer-release/1", "participant": 7, "wave": "wave2",
            "input": {"format": "vtt"}, "replacements": {"by_kind": {"PERSON": 2}},
            "files": [{"name": "P07_wave2.txt", "format": "txt",
                       "sha256": hashlib.sha256(shown.encode()).hexdigest()}]}
    (folder / "P07_wave2.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    marks = [ReviewMark(clean.index(s), clean.index(s) + len(s), "PERSON", "d", 1.0)
             for s in ("[Participant 7]", "[Person 1]")]
    (folder / "P07_wave2.review.json").write_text(ReviewData(tuple(marks), ()).to_json())
    loaded = load_released(folder / "P07_wave2.meta.json")
    assert loaded.problems == ()
    assert [shown[m.start:m.end] for m in loaded.review.replacements] == [
        "[Participant 7]", "[Person 1]"]


def test_escape_and_document_are_safe() -> None:
    assert escape('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    page = document('T</title><script>', "<p>x</p>")
    assert "<title>T&lt;/title&gt;&lt;script&gt;</title>" in page


@pytest.mark.parametrize(("dropped", "shown"), [
    ({}, None),
    ({"comment": 2}, "Not in the text (left out when read): 2 comments"),
    ({"deletion": 1, "comment": 1, "ruby": 3},
     "Not in the text (left out when read): 1 comment, 1 tracked deletion, 3 ruby annotations"),
])
def test_the_page_says_what_was_left_out(tmp_path: Path, dropped: dict[str, int],
                                         shown: str | None) -> None:
    meta = {"participant": 7, "wave": "wave2", "dropped": dropped}
    tree = parse(render_review_page(released(tmp_path, "Interviewer: Hello.\n", [], [], meta),
                                    generated_at=WHEN))
    assert tree.text_of.get("dropped") == shown
