"""Places in Oxfordshire: districts, county divisions, postcode districts (outcodes) and postcode points.

All four tables hold reference data loaded by `reference.load_reference_data()` (and, for exact
county-wide points, the ONS Postcode Directory import). Each row is keyed by its official code.
"""

from __future__ import annotations

from piccolo.columns import DoublePrecision, ForeignKey, Integer, Serial, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class District(Table, tablename="district"):
    """A local authority district (lower tier), e.g. Oxford, E07000178."""

    id: Serial
    gss_code = Varchar(length=9, unique=True)
    name = Varchar(length=100)
    slug = Varchar(length=100, unique=True)


class Division(Table, tablename="division"):
    """A county electoral division (in force from May 2025), inside one district."""

    id: Serial
    gss_code = Varchar(length=9, unique=True)
    name = Varchar(length=150)
    slug = Varchar(length=150, unique=True)
    district = ForeignKey(references=District, on_delete=OnDelete.restrict, index=True)
    # Only known where we hold the boundary (the 13 Oxford-city divisions).
    centroid_latitude = DoublePrecision(null=True, default=None)
    centroid_longitude = DoublePrecision(null=True, default=None)


class PostcodeDistrict(Table, tablename="postcode_district"):
    """An outward code (OX4, RG9…) with a live postcode in Oxfordshire."""

    id: Serial
    outcode = Varchar(length=4, unique=True)
    # Postcode-weighted centroid of the whole outcode (where its residents are, on average).
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    # The Oxfordshire district holding most of the outcode's postcodes.
    district = ForeignKey(references=District, on_delete=OnDelete.restrict, index=True)
    coverage = Varchar(length=8)  # how much of it lies in Oxfordshire: "wholly", "mostly" or "partly"
    oxfordshire_share = DoublePrecision()
    postcodes_total = Integer(default=0)
    # Set only when every live postcode of the outcode is known and all lie in this one division.
    division = ForeignKey(references=Division, on_delete=OnDelete.set_null, null=True, default=None)


class PostcodePoint(Table, tablename="postcode_point"):
    """One live postcode with its coordinates: Oxford city from Code-Point Open, the rest from the ONSPD import."""

    id: Serial
    postcode = Varchar(length=8, unique=True)  # normalised, "OX1 1AA"
    outcode = Varchar(length=4, index=True)
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    division = ForeignKey(references=Division, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    district = ForeignKey(references=District, on_delete=OnDelete.restrict, index=True)
