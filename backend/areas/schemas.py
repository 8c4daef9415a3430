"""Shapes of the areas domain: what the service returns to other domains and what the API answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import msgspec

Precision = Literal["postcode", "outcode"]


class LookupStatus(StrEnum):
    """How a postcode lookup ended."""

    FOUND = "found"  # placed in Oxfordshire (exactly, or by its outward code)
    OUTSIDE = "outside"  # a well-formed UK postcode, but not one in Oxfordshire
    INVALID = "invalid"  # not a UK postcode or outward code at all


class AreaRef(msgspec.Struct, frozen=True):
    """A district or division, by its GSS code and name."""

    code: str
    name: str


class Location(msgspec.Struct, frozen=True):
    """Where a postcode is: its district, its division when the data says so, and a point for distances."""

    postcode: str  # normalised: "OX4 1AA", or just "OX4" when only an outward code was given
    outcode: str
    district: AreaRef
    division: AreaRef | None
    latitude: float
    longitude: float
    precision: Precision  # "postcode": the postcode's own point; "outcode": the outward code's centroid
    # How much of the outward code lies in Oxfordshire ("wholly", "mostly", "partly"); "exact" for a known point.
    coverage: str


class LookupResult(msgspec.Struct, frozen=True):
    """The answer to `AreasService.lookup`: a status, what was understood, and the location when found."""

    status: LookupStatus
    query: str  # the normalised postcode or outward code; the trimmed input when invalid
    location: Location | None = None

    @property
    def found(self) -> bool:
        """True when the postcode was placed in Oxfordshire."""
        return self.location is not None


class DistrictInfo(msgspec.Struct, frozen=True):
    """A district of Oxfordshire."""

    code: str
    name: str
    slug: str


class DivisionInfo(msgspec.Struct, frozen=True):
    """A county electoral division; its centroid is known only where we hold its boundary."""

    code: str
    name: str
    slug: str
    district: AreaRef
    latitude: float | None
    longitude: float | None


class OnspdImportSummary(msgspec.Struct, frozen=True):
    """What an ONS Postcode Directory import did."""

    rows_read: int
    imported: int  # Oxfordshire postcodes inserted or updated
    skipped_outside: int  # rows for other counties
    skipped_unusable: int  # terminated postcodes, or rows without coordinates or a valid postcode


class LookupResponse(msgspec.Struct):
    """`GET /api/v1/areas/lookup`: where a postcode is in Oxfordshire."""

    postcode: str
    outcode: str
    district: AreaRef
    division: AreaRef | None
    latitude: float
    longitude: float
    precision: Precision


class FieldError(msgspec.Struct):
    """One problem with one input field (`key` and `source` are null when the problem is the request's as a whole)."""

    key: str | None
    source: str | None
    message: str


class ApiError(msgspec.Struct):
    """An error answer from the API (the same shape the app's error handler uses)."""

    status_code: int
    detail: str
    errors: list[FieldError] = msgspec.field(default_factory=list)
