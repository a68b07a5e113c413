"""One-page escalation letters (Markdown or HTML) addressed to the national cancer director."""

from __future__ import annotations

from datetime import date

from jinja2 import Environment, PackageLoader, select_autoescape

from cancerwatch.accountability.escalation import Escalation
from cancerwatch.catalogue.standards import get_standard

LEVEL_LABELS = {
    "provider": "provider",
    "sub_icb": "sub-ICB location",
    "icb": "ICB",
    "alliance": "Cancer Alliance",
    "region": "NHS England region",
}


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1%}"


def render_letter(e: Escalation, *, fmt: str = "md", today: date | None = None) -> str:
    """The letter for one escalation as Markdown (``md``) or HTML (``html``)."""
    env = Environment(
        loader=PackageLoader("cancerwatch.accountability", "templates"),
        autoescape=select_autoescape(default_for_string=False, default=False),
    )
    text = env.get_template("letter.md.j2").render(
        e=e,
        standard_name=get_standard(e.standard).name,
        level_label=LEVEL_LABELS.get(e.level, e.level),
        today=(today or date.today()).isoformat(),
        pct=_pct,
        has_england=any(r.get("england_performance") is not None for r in e.evidence),
        has_funnel=any("funnel_outlier" in r for r in e.evidence),
    )
    if fmt == "md":
        return text
    return _markdown_to_html(text, title=f"Escalation: {e.org_name}")


def _markdown_to_html(md: str, *, title: str) -> str:
    """Minimal, escaped conversion of the letter's Markdown (headings, paragraphs, one table)."""
    from html import escape

    out: list[str] = []
    para: list[str] = []
    in_table = False

    def flush():
        if para:
            out.append("<p>" + _inline(escape(" ".join(para))) + "</p>")
            para.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            if not in_table:
                out.append(
                    "<table><thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in cells) + "</tr></thead><tbody>"
                )
                in_table = True
            else:
                out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</tbody></table>")
            in_table = False
        if line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{escape(line.lstrip('#').strip())}</h{level}>")
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
    flush()
    if in_table:
        out.append("</tbody></table>")
    style = (
        "body{font-family:Arial,sans-serif;max-width:48em;margin:2em auto;color:#212b32}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #d8dde0;padding:4px 8px;text-align:left}"
    )
    return (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{style}</style></head><body>{''.join(out)}</body></html>"
    )


def _inline(text: str) -> str:
    parts = text.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
