"""Reference materials of the first meeting, loaded by `flask seed` from consult/seed/data."""

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

BUDGET_KINDS = ("A", "B", "C", "D")


class WardBudget(db.Model):
    """A ward's まちづくり推進経費 for one fiscal year (資料2-3)."""

    __tablename__ = "ward_budget"
    __table_args__ = (UniqueConstraint("ward_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    fiscal_year: Mapped[int]
    vision: Mapped[str] = mapped_column(Text, default="")  # めざす区の姿
    stated_total: Mapped[int]  # 予算総額 as printed, in 千円
    source: Mapped[str] = mapped_column(String(300), default="")

    ward = relationship("Ward")
    items: Mapped[list["BudgetItem"]] = relationship(back_populates="budget", order_by="BudgetItem.no")

    @property
    def items_total(self) -> int:
        return sum(item.amount for item in self.items)

    def __repr__(self) -> str:
        return f"<WardBudget {self.ward_id} FY{self.fiscal_year}>"


class BudgetItem(db.Model):
    __tablename__ = "budget_item"
    __table_args__ = (UniqueConstraint("budget_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("ward_budget.id"))
    no: Mapped[int]
    kinds: Mapped[str] = mapped_column(String(16))  # "A" or several, "A,C"
    name: Mapped[str] = mapped_column(String(200))
    group_label: Mapped[str] = mapped_column(Text, default="")  # 方向性 / 基本方針 it sits under
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int]  # 千円

    budget: Mapped[WardBudget] = relationship(back_populates="items")

    @property
    def kind_list(self) -> list[str]:
        return self.kinds.split(",")

    def __repr__(self) -> str:
        return f"<BudgetItem {self.budget_id}/{self.no}>"


class StaffOpinion(db.Model):
    """One opinion of the staff opinion exchange (資料2-4), under its heading."""

    __tablename__ = "staff_opinion"
    __table_args__ = (UniqueConstraint("heading_position", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    heading: Mapped[str] = mapped_column(String(200))
    heading_position: Mapped[int]
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<StaffOpinion {self.heading_position}.{self.position}>"


class OtherCity(db.Model):
    """A designated city's ward-budget scheme (資料3)."""

    __tablename__ = "other_city"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    request_to: Mapped[str] = mapped_column(Text, default="")  # 予算要求先
    programs: Mapped[list] = mapped_column(JSON, default=list)  # 事業名
    budget_fy2012: Mapped[str] = mapped_column(Text, default="")  # 平成24年度予算額 (百万円, as printed)
    allocation: Mapped[str] = mapped_column(Text, default="")  # 配分方法等
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<OtherCity {self.name}>"


class OtherCityProject(db.Model):
    """A ward-level own programme of a designated city (資料3, 自主事業)."""

    __tablename__ = "other_city_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    city: Mapped[str] = mapped_column(String(32))
    program: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<OtherCityProject {self.city} {self.program}>"


class ReferenceDocument(db.Model):
    """A structured document shown as-is: the ward office organisation, the ordinance revision."""

    __tablename__ = "reference_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<ReferenceDocument {self.slug}>"
