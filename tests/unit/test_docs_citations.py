"""Docs live in the repository: code, tests and docs cite public sources or pages in ``docs/``.

No file may cite the background documents that are not part of the repository, and every
``docs/<page>.md`` a module or test names, and every ``page.md#anchor`` a docs page links to,
must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src", "tests", "docs")

# Spelt in pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"domain\s+(?:#:?\s*)?" + "brief",
            re.escape("design" + ".md"),
            re.escape("domain" + ".md"),
            re.escape("/" + "shared" + "/"),
        ]
    ),
    re.IGNORECASE,
)
DOCS_PATH = re.compile(r"\bdocs/([A-Za-z0-9_-]+)\.md\b")
MD_LINK = re.compile(r"\]\((?!https?:)([A-Za-z0-9_./-]*\.md)?#([^)\s]+)\)")


def _text_files(*folders: str) -> list[Path]:
    files = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # images, workbooks, Parquet
            files.append(path)
    return files


def outside_citations(text: str) -> list[str]:
    """Every citation of a document outside the repository in ``text``."""
    return [m.group(0) for m in OUTSIDE.finditer(text)]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        m = None if in_fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = github_anchor(m.group(1))
            n = seen.get(base, 0)
            out.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return out


def test_the_check_finds_what_it_must() -> None:
    assert outside_citations("as the " + "domain" + " brief 2.2 says")
    assert outside_citations("(the " + "design" + ".md input contract)")
    assert outside_citations("see ../" + "shared" + "/docs/x")
    assert outside_citations("Source: domain\n    #: " + "brief 1.5")
    assert not outside_citations("docs/cwt-rules.md, breach allocation; National Cancer Breach Allocation Guidance")
    assert github_anchor("Fields of `cancerwatch metrics`") == "fields-of-cancerwatch-metrics"
    assert github_anchor("Sub-ICB extract") == "sub-icb-extract"


@pytest.mark.parametrize("folder", SCANNED)
def test_no_citation_of_documents_outside_the_repository(folder: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}: {cite!r}"
        for path in _text_files(folder)
        for cite in outside_citations(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "cite public sources or docs/ pages instead:\n" + "\n".join(found)


def test_every_docs_page_cited_in_code_and_tests_exists() -> None:
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: docs/{name}.md"
            for path in _text_files("src", "tests")
            for name in DOCS_PATH.findall(path.read_text(encoding="utf-8"))
            if not (ROOT / "docs" / f"{name}.md").is_file()
        }
    )
    assert missing == []


def test_every_anchor_a_docs_page_links_to_exists() -> None:
    broken = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for target, anchor in MD_LINK.findall(page.read_text(encoding="utf-8")):
            linked = (page.parent / target).resolve() if target else page
            if not linked.is_file():
                broken.append(f"{page.name}: {target} does not exist")
            elif anchor not in anchors(linked):
                broken.append(f"{page.name}: {target or page.name}#{anchor} is not a heading")
    assert broken == []
