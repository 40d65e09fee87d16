"""Field values between Python, SQLite columns and the audit log's JSON."""

from __future__ import annotations

import math

import pandas as pd

from layers.spec import Field


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain(value: object, field: Field) -> object:
    """A JSON-able canonical form: equal values compare equal whatever their source."""
    if is_missing(value) or (isinstance(value, str) and not value.strip() and field.type != "str"):
        return None
    if field.type == "int":
        return int(float(value))
    if field.type == "float":
        return round(float(value), 6)
    if field.type == "bool":
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)
    if field.type == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if field.type == "datetime":
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def to_column(value: object, field: Field) -> object:
    """The value as stored in a GeoPackage column (dates as GDAL writes them)."""
    value = plain(value, field)
    if value is None:
        return None
    if field.type == "bool":
        return int(value)
    if field.type in ("date", "datetime"):
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value
