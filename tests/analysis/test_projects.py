"""Project totals per donor, kind and region."""

from __future__ import annotations

import pandas as pd
import pytest

from eoc.analysis.projects import NOT_RECORDED, project_totals
from eoc.errors import EocError


@pytest.fixture
def projects_in_gbao_and_khatlon() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "donor": ["Government of Japan", "European Union", "Government of Japan", None],
            "category": ["market", "school", "school", "market"],
            "adm1_iso": ["TJ-GB", "TJ-KT", "TJ-KT", "TJ-GB"],
            "beneficiaries": pd.array([1900, 640, None, 300], dtype="Int64"),
        }
    )


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            "donor",
            [("Government of Japan", 2, 1900), ("European Union", 1, 640), (NOT_RECORDED, 1, 300)],
        ),
        ("category", [("market", 2, 2200), ("school", 2, 640)]),
        ("adm1_iso", [("TJ-GB", 2, 2200), ("TJ-KT", 2, 640)]),
    ],
)
def test_totals_count_projects_and_add_beneficiaries(projects_in_gbao_and_khatlon, by, expected):
    totals = project_totals(projects_in_gbao_and_khatlon, by=by)
    assert list(totals.columns) == [by, "projects", "beneficiaries"]
    assert list(totals.itertuples(index=False, name=None)) == expected


def test_totals_of_the_seed_projects_add_up(seed_frames):
    projects = seed_frames["infrastructure_projects"]
    for by in ("donor", "category", "adm1_iso"):
        totals = project_totals(projects, by=by)
        assert totals["projects"].sum() == len(projects)
        assert totals["beneficiaries"].sum() == projects["beneficiaries"].sum()
    by_donor = project_totals(projects, by="donor").set_index("donor")
    assert by_donor.loc["Government of Japan", "projects"] == 12


def test_ties_are_broken_by_project_count_then_name():
    projects = pd.DataFrame({"donor": ["B", "A", "C", "C"], "beneficiaries": [0, 0, 0, 0]})
    assert list(project_totals(projects, by="donor")["donor"]) == ["C", "A", "B"]


def test_no_projects_give_an_empty_table():
    empty = pd.DataFrame({"donor": pd.Series([], dtype="str"), "beneficiaries": []})
    totals = project_totals(empty, by="donor")
    assert totals.empty
    assert list(totals.columns) == ["donor", "projects", "beneficiaries"]


def test_an_unknown_grouping_is_named():
    with pytest.raises(EocError, match="no 'partner' field"):
        project_totals(pd.DataFrame({"beneficiaries": [1]}), by="partner")
