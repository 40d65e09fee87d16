"""What the infrastructure projects add up to: counts and beneficiaries per group."""

from __future__ import annotations

import pandas as pd

from eoc.errors import EocError

# The groupings donors ask for: who paid, what was built, where (region, ADM1).
SUMMARY_FIELDS = ("donor", "category", "adm1_iso")
NOT_RECORDED = "not recorded"


def project_totals(projects: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Projects and beneficiaries per value of `by`, most beneficiaries first.

    Returns a frame with columns `by`, `projects` and `beneficiaries` (missing beneficiaries
    count as none; a missing `by` value is grouped as NOT_RECORDED).
    """
    for name in (by, "beneficiaries"):
        if name not in projects.columns:
            raise EocError(f"the projects have no '{name}' field to add up")
    keys = projects[by].astype("string").fillna(NOT_RECORDED)
    beneficiaries = pd.to_numeric(projects["beneficiaries"]).fillna(0).astype("int64")
    totals = (
        pd.DataFrame({by: keys, "beneficiaries": beneficiaries})
        .groupby(by, sort=False)
        .agg(projects=("beneficiaries", "size"), beneficiaries=("beneficiaries", "sum"))
        .reset_index()
    )
    totals = totals.sort_values(
        ["beneficiaries", "projects", by], ascending=[False, False, True], kind="stable"
    )
    return totals.reset_index(drop=True).astype({"projects": "int64", "beneficiaries": "int64"})
