"""What the JSON API and the web pages share per request: the app state, a warehouse cursor,
the viewer's disclosure policy and a :class:`~cancerwatch.read.context.Reader`.

The state holds the served warehouse (pool and memo: :mod:`cancerwatch.warehouse.pool`), the
injected :class:`~cancerwatch.config.Settings` and the mode. Whether a request may see figures
computed from record-level data is decided by ``record_gate``, which the application factory
injects (the web's sign-in check), so the API never imports the web.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

import duckdb
from fastapi import Depends, Request

from cancerwatch.api.errors import ApiError
from cancerwatch.catalogue.standards import standards
from cancerwatch.config import Settings
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.warehouse.pool import Warehouse

RecordGate = Callable[[Request, "AppState"], None]

# Request parameter types of both the API and the pages.
if TYPE_CHECKING:  # a standard id is a str to the type checker; at run time the catalogue's ids
    StandardId = str
else:
    StandardId = Literal[tuple(standards())]
Level = Literal["national", "region", "alliance", "icb", "sub_icb", "provider"]
OrgLevel = Literal["region", "alliance", "icb", "sub_icb", "provider"]
Period = Literal["month", "quarter", "year"]
By = Literal["cancer_type", "route", "modality"]
Basis = Literal["provider", "commissioner"]
Dataset = Literal["published", "record"]
MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"  # ASCII digits, no year 0000
#: An organisation code: letters, digits and hyphens (ODS, ONS and catalogue codes such as EOE-NORTH).
ORG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$"
MONTH_OR_EMPTY = r"^([1-9][0-9]{3}-(0[1-9]|1[0-2]))?$"  # HTML forms send an empty value for "latest"
#: Largest accepted ``offset``: the warehouse pages with 64-bit integers, so larger values are refused
#: as a validation error (400) rather than failing in the query.
MAX_OFFSET = 2**31 - 1
"""Largest accepted ``offset``: the warehouse pages with 64-bit integers, so larger values are refused
as a validation error (400) rather than failing in the query."""


def refuse_record_access(request: Request, state: AppState) -> None:
    """The default gate: nobody may see record-level figures."""
    raise ApiError(403, "record_level_disabled", "record-level figures are switched off")


@dataclass(frozen=True)
class AppState:
    """What every request may need: the warehouse, the settings, the mode and the record gate."""

    warehouse: Warehouse
    settings: Settings
    public: bool
    record_gate: RecordGate = field(default=refuse_record_access)

    def require_record_access(self, request: Request) -> None:
        """Raise the gate's ApiError (404 public, 403 switched off, 401 not signed in) if refused."""
        self.record_gate(request, self)

    def may_see_record(self, request: Request | None) -> bool:
        """True when ``request`` may see figures computed from record-level data."""
        if request is None or self.public:
            return False
        try:
            self.require_record_access(request)
        except ApiError:
            return False
        return True

    def disclosure(self, request: Request | None = None) -> Disclosure:
        """The disclosure policy for the viewer of ``request`` (settings only, never the environment)."""
        return Disclosure.from_settings(self.settings, public=self.public, record_access=self.may_see_record(request))

    def reader(self, con: duckdb.DuckDBPyConnection, request: Request | None = None) -> Reader:
        """A reader over ``con`` for the viewer of ``request``, keeping results in the warehouse memo."""
        return Reader(con, self.disclosure(request), self.warehouse)


def get_state(request: Request) -> AppState:
    """The application's state (set by the application factory)."""
    state: AppState = request.app.state.cancerwatch
    return state


def get_con(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse cursor for the duration of one request."""
    with get_state(request).warehouse.reader() as cur:
        yield cur


def get_reader(request: Request, con: Annotated[duckdb.DuckDBPyConnection, Depends(get_con)]) -> Reader:
    """A reader for one request: its cursor, its viewer's disclosure policy, the shared memo."""
    return get_state(request).reader(con, request)


State = Annotated[AppState, Depends(get_state)]
Con = Annotated[duckdb.DuckDBPyConnection, Depends(get_con)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
