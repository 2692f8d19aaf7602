"""Spreadsheet out, spreadsheet in (PRODUCT.md section 4): a plan exported and imported into
another room comes back as the same plan, in both formats."""

import pytest

from plans.exports import plan_csv, plan_export, plan_xlsx
from plans.imports.services import ImportOptions, plan_import
from rooms.access import room_access_for
from tests.factories import RoomFactory
from tests.test_exports import plan  # noqa: F401 - the plan of every kind of row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("render", "filename"), [(plan_csv, "plan.csv"), (plan_xlsx, "plan.xlsx")])
def test_an_exported_plan_imports_back_as_the_same_plan(world, plan, render, filename):  # noqa: F811
    original = plan_export(room_access_for(world.owner, plan))
    target = RoomFactory(
        organisation=plan.organisation, owner=world.owner, buyer_company="Round trip"
    )
    target.milestones.all().delete()
    by = room_access_for(world.owner, target)

    plan_import(by=by, data=render(original), filename=filename, options=ImportOptions())

    again = plan_export(room_access_for(world.owner, target))
    assert again.header == original.header
    assert again.rows == original.rows
