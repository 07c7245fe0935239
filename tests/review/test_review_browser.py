"""The review page in a real headless Chromium at 1366x768: marks there, visible and told apart,
the jump list working, nothing loaded from anywhere, no sideways scrolling, and print without the
side list. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import json
from pathlib import Path

from browser import Page, artifact, only_itself
from steward_study import TRANSCRIPTS, StewardStudy

from anonymizer.review.html import document

# Long enough that the page scrolls: participant 2's first interview, six times over.
LONG = "".join(TRANSCRIPTS[(2, "wave1")].replace("Could you", f"Part {n}: could you", 1)
               for n in range(1, 7))

MARKS_JS = """
(() => [...document.querySelectorAll('#clean-text mark[id]')].map(m => {
  const r = m.getBoundingClientRect(), s = getComputedStyle(m),
        after = getComputedStyle(m, '::after');
  return {id: m.id, cls: m.className, text: m.textContent, title: m.title,
          visible: r.width > 0 && r.height > 0 && s.visibility === 'visible'
                   && s.display !== 'none',
          background: s.backgroundColor, top: s.borderTopStyle, bottom: s.borderBottomStyle,
          tag: after.content, tagColor: after.color, tagSize: parseFloat(after.fontSize)};
}))()
"""
NO_SIDEWAYS_JS = ("document.documentElement.scrollWidth <= document.documentElement.clientWidth"
                  " && document.body.scrollWidth <= document.documentElement.clientWidth")


def write_page(study: StewardStudy, capsys, out: Path, *extra: str) -> None:
    study.release(2, "wave2", LONG)
    code, _, _ = study.cli(capsys, "review", "P02_wave2", "-o", out, *extra)
    assert code == 0


def test_the_review_page_reads_well_in_chromium(study: StewardStudy, capsys, tmp_path: Path,
                                                page: Page) -> None:
    out = tmp_path / "review.html"
    write_page(study, capsys, out)
    release = study.releases[(2, "wave2")]
    scan = release.outcome.scan
    page.open(out)

    assert only_itself(page) == []
    assert page.messages() == []  # no CSP violation, no error
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0
    assert page.evaluate(NO_SIDEWAYS_JS)
    assert page.evaluate("document.querySelector('#clean-text').textContent") == \
        release.clean_path.read_text(encoding="utf-8")

    marks = page.evaluate(MARKS_JS)
    reps = [m for m in marks if m["cls"] == "rep"]
    flags = [m for m in marks if m["cls"] == "flag"]
    assert [m["text"] for m in reps] == [r.text for r in scan.replacements]
    assert len(flags) > 0 and all(m["visible"] for m in marks)
    assert [m["tag"] for m in reps] == [json.dumps(r.entity.value) for r in scan.replacements]
    assert all(m["tag"].startswith('"⚑') for m in flags)
    assert all(m["tagSize"] >= 8 for m in marks)  # the tags are small, not invisible
    assert {m["background"] for m in reps}.isdisjoint({m["background"] for m in flags})
    assert {m["tagColor"] for m in reps}.isdisjoint({m["tagColor"] for m in flags})
    assert {(m["top"], m["bottom"]) for m in reps} == {("solid", "solid")}
    assert {m["bottom"] for m in flags} == {"dashed"}
    assert all("detector" in m["title"] and "score" in m["title"] for m in reps)

    side = page.evaluate("""(() => { const n = document.querySelector('nav.jump'),
        r = n.getBoundingClientRect(), s = getComputedStyle(n);
        return {left: r.left, right: r.right, visible: s.display !== 'none' && r.height > 0,
                links: [...n.querySelectorAll('a[href^="#r"], a[href^="#f"]')].map(a =>
                  [a.getAttribute('href'), a.textContent.trim(),
                   parseFloat(getComputedStyle(a).fontSize)])}; })()""")
    assert side["visible"] and side["left"] >= 0 and side["right"] < 400
    hrefs = [h for h, _, _ in side["links"]]
    assert hrefs == [f"#{m['id']}" for m in reps] + [f"#f{i}" for i in range(1, len(
        scan.flags) + 1)]
    assert all(text and size >= 11 for _, text, size in side["links"])
    page.screenshot(artifact("review-page.png"))
    page.screenshot(artifact("review-page-full.png"), full_page=True)

    # a click in the jump list takes the reader to the mark
    last = reps[-1]["id"]
    assert page.evaluate("window.scrollY") == 0
    page.click(f'nav.jump a[href="#{last}"]')
    page.wait_until(f"location.hash === '#{last}'")
    assert page.evaluate("document.querySelector(':target').id") == last
    assert page.evaluate("window.scrollY") > 0
    assert page.evaluate(f"""(() => {{ const r = document.getElementById('{last}')
        .getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }})()""")
    assert page.evaluate(f"getComputedStyle(document.getElementById('{last}'))"
                         ".outlineStyle") == "solid"
    page.screenshot(artifact("review-page-jumped.png"))

    # print: no side list; marks still told apart by their borders, in black and white
    page.media("print")
    try:
        assert page.evaluate("getComputedStyle(document.querySelector('nav.jump')).display") \
            == "none"
        printed = page.evaluate(MARKS_JS)
        assert {(m["top"], m["bottom"]) for m in printed if m["cls"] == "rep"} == {
            ("solid", "solid")}
        assert {m["bottom"] for m in printed if m["cls"] == "flag"} == {"dashed"}
        assert all(m["visible"] and m["tag"] != "none" for m in printed)
        assert page.evaluate(NO_SIDEWAYS_JS)
        page.screenshot(artifact("review-page-print.png"))
        assert page.print_pdf().startswith(b"%PDF")
    finally:
        page.media("")


def test_the_original_sits_beside_the_clean_text(study: StewardStudy, capsys, tmp_path: Path,
                                                 page: Page) -> None:
    out = tmp_path / "with-original.html"
    write_page(study, capsys, out, "--with-original")
    scan = study.releases[(2, "wave2")].outcome.scan
    page.open(out)
    assert only_itself(page) == [] and page.messages() == []
    assert page.evaluate(NO_SIDEWAYS_JS)
    panes = page.evaluate("""[...document.querySelectorAll('.pane')].map(p => {
        const r = p.getBoundingClientRect(); return [p.className, r.left, r.top, r.width]; })""")
    (clean, left, top, width), (original, left2, top2, width2) = panes
    assert "clean" in clean and "original" in original
    assert left < left2 and abs(top - top2) < 2 and min(width, width2) > 350
    originals = page.evaluate("""[...document.querySelectorAll('#original-text mark.orig')]
        .map(m => [m.textContent, getComputedStyle(m).backgroundColor])""")
    assert len(originals) == len(scan.replacements)
    assert "Ragnhild Østerbø" in [text for text, _ in originals]
    assert page.evaluate("getComputedStyle(document.getElementById('names-warning'))"
                         ".borderTopStyle") == "solid"
    page.screenshot(artifact("review-with-original.png"))


def test_the_network_check_catches_a_page_that_loads_something(tmp_path: Path,
                                                               page: Page) -> None:
    """Controls: a page without the policy that loads an image is caught by the request log;
    with the policy, the same load is blocked and reported."""
    bare = tmp_path / "bare.html"
    bare.write_text('<!DOCTYPE html><img src="http://steward-test.invalid/x.png">',
                    encoding="utf-8")
    page.open(bare)
    assert only_itself(page) == ["http://steward-test.invalid/x.png"]
    guarded = tmp_path / "guarded.html"
    guarded.write_text(document("t", '<img src="http://steward-test.invalid/y.png">'
                                '<script>document.title = "ran"</script>'), encoding="utf-8")
    page.open(guarded)
    messages = " ".join(page.messages())
    assert "violates the following Content Security Policy directive" in messages
    assert "img-src 'none'" in messages and "script-src 'none'" in messages
    assert page.evaluate("document.title") == "t"
    assert page.evaluate("performance.getEntriesByType('resource')"
                         ".filter(e => e.transferSize > 0).length") == 0
