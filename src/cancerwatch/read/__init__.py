"""The read layer: one function per view, between the metrics and analytics and every front end.

Each view function (:mod:`.overview`, :mod:`.organisation`, :mod:`.league`, :mod:`.geography`,
:mod:`.data`, :mod:`.search`, :mod:`.report`, :mod:`.escalation`, :mod:`.funding`) takes a
:class:`~cancerwatch.read.context.Reader` and returns a plain dataclass. The HTML pages, their
JSON alternates, the CSV and Excel exports, the JSON API and the annual report all render those
objects, so they show the same figures and verdicts.

Views read figures through the few functions of :mod:`.figures` (one organisation's series, all
organisations at a level), apply the variation policy (:mod:`cancerwatch.variation`) to unrounded
figures, and the disclosure policy (:mod:`.disclosure`) to what is shown.
"""
