"""Queries for the reference materials, shared by the pages and the JSON API."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..consultation.models import Ward
from ..extensions import db
from .models import OtherCity, OtherCityProject, ReferenceDocument, StaffOpinion, WardBudget

KIND_LABELS = {"A": "継続事業", "B": "新規事業（まちづくり懇話会等提案）", "C": "新規事業（人材育成）",
               "D": "新規事業（その他）"}


def ward_budgets() -> list[WardBudget]:
    return db.session.scalars(
        select(WardBudget).join(Ward).options(selectinload(WardBudget.items), selectinload(WardBudget.ward))
        .order_by(Ward.position, WardBudget.fiscal_year)).all()


def totals_by_kind(budget: WardBudget) -> list[tuple[str, int]]:
    """Amount per kind combination (A, B, B・C …), in order of first appearance."""
    totals: dict[str, int] = {}
    for item in budget.items:
        label = "・".join(item.kind_list)
        totals[label] = totals.get(label, 0) + item.amount
    return sorted(totals.items())


def staff_opinions() -> list[tuple[str, list[StaffOpinion]]]:
    grouped: dict[tuple[int, str], list[StaffOpinion]] = defaultdict(list)
    for opinion in db.session.scalars(
            select(StaffOpinion).order_by(StaffOpinion.heading_position, StaffOpinion.position)):
        grouped[(opinion.heading_position, opinion.heading)].append(opinion)
    return [(heading, opinions) for (_pos, heading), opinions in grouped.items()]


def other_cities() -> list[OtherCity]:
    return db.session.scalars(select(OtherCity).order_by(OtherCity.position)).all()


def other_city_projects() -> list[OtherCityProject]:
    return db.session.scalars(select(OtherCityProject).order_by(OtherCityProject.position)).all()


def document(slug: str) -> ReferenceDocument | None:
    return db.session.scalar(select(ReferenceDocument).where(ReferenceDocument.slug == slug))
