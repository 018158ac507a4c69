"""`flask seed`: the Kumamoto consultation and the first meeting's reference data, then the public
comment on the 自治基本条例 改正条文骨子 (second, so that the old URLs keep leading to the first)."""

import tomllib
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..consultation.models import Consultation, Meeting, Proposal, Section, SectionRevision, Topic, Ward
from ..extensions import db
from ..pubcom.provisions import document_topic, import_document, outline_text, parse_document
from ..reference.models import BudgetItem, OtherCity, OtherCityProject, ReferenceDocument, StaffOpinion, WardBudget
from ..workshops.models import Workshop, WorkshopTable

DATA_DIR = Path(__file__).parent / "data"


def read(name: str) -> dict[str, Any]:
    with open(DATA_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


class Loader:
    """Counts what it adds per table, for the command's report."""

    def __init__(self) -> None:
        self.added: Counter[str] = Counter()

    def get_or_add(self, model, lookup: dict, **values):
        obj = db.session.scalar(select(model).filter_by(**lookup))
        if obj is None:
            obj = model(**lookup, **values)
            db.session.add(obj)
            db.session.flush()
            self.added[model.__tablename__] += 1
        return obj

    def run(self) -> Counter[str]:
        consultation = self.consultation()
        self.topics(consultation)
        self.workshops(consultation)
        self.budgets()
        self.staff_opinions()
        self.other_cities()
        self.documents()
        db.session.commit()
        self.pubcom()
        db.session.commit()
        return self.added

    def consultation(self) -> Consultation:
        data = read("consultation")
        c = data["consultation"]
        consultation = self.get_or_add(Consultation, {"slug": c["slug"]}, title=c["title"], body=c["body"].strip(),
                                       phase=c["phase"], premoderation=c["premoderation"])
        for m in data["meetings"]:
            self.get_or_add(Meeting, {"consultation_id": consultation.id, "key": m["key"]},
                            kind=m.get("kind", "meeting"), number=m.get("number"), title=m["title"],
                            agenda=m.get("agenda", ""), starts_on=m["starts_on"], month_part=m.get("month_part"))
        pop = data["population"]
        for position, w in enumerate(data["wards"], start=1):
            self.get_or_add(Ward, {"code": w["code"]}, name=w["name"], name_en=w["name_en"], position=position,
                            population=w["population"], population_source=pop["source"],
                            population_as_of=pop["as_of"])
        return consultation

    def workshops(self, consultation: Consultation) -> None:
        """The five ward workshops, planned, with numbered tables and every topic in scope."""
        for w in read("consultation").get("workshops", []):
            if db.session.scalar(select(Workshop).filter_by(key=w["key"])) is not None:
                continue
            ward = db.session.scalar(select(Ward).filter_by(code=w["ward"]))
            workshop = self.get_or_add(
                Workshop, {"key": w["key"]}, consultation_id=consultation.id, ward_id=ward.id, title=w["title"],
                venue=w["venue"], starts_at_utc=_utc(w["starts_at"]), ends_at_utc=_utc(w["ends_at"]),
                state="planned", topics=list(consultation.topics),
                tables=[WorkshopTable(name=f"テーブル{n}", position=n) for n in range(1, w["tables"] + 1)])
            self.added["workshop_table"] += len(workshop.tables)

    def topics(self, consultation: Consultation) -> None:
        data = read("topics")
        for t in data["topics"]:
            topic = self.get_or_add(Topic, {"consultation_id": consultation.id, "slug": t["slug"]},
                                    number=t["number"], title=t["title"], title_en=t.get("title_en", ""),
                                    lead=t.get("lead", ""), summary_notice=data.get("sample_notice", ""))
            for position, s in enumerate(t["sections"], start=1):
                section = self.get_or_add(Section, {"topic_id": topic.id, "anchor": s["anchor"]}, position=position)
                self.get_or_add(SectionRevision, {"section_id": section.id, "number": 1},
                                heading=s["heading"], body=s["body"].strip())
            for position, p in enumerate(t["proposals"], start=1):
                self.get_or_add(Proposal, {"topic_id": topic.id, "key": p["key"]}, position=position, text=p["text"])

    def pubcom(self) -> Consultation:
        """The public comment on the 改正条文骨子: its background, period, the review committee's
        meetings, and the document's provisions through the same importer staff use."""
        data = read("ordinance")
        consultation = self.get_or_add(
            Consultation, {"slug": PUBCOM_SLUG}, kind="pubcom", title=PUBCOM_TITLE, body=pubcom_body(data).strip(),
            phase="open", premoderation=True, accept_anonymous=False,
            comments_open_at_utc=_utc(PUBCOM_OPENS), comments_close_at_utc=_utc(PUBCOM_CLOSES))
        for m in data["review_meetings"]:
            self.get_or_add(Meeting, {"consultation_id": consultation.id, "key": f"review{m['number']}"},
                            kind="meeting", number=m["number"], title=f"第{m['number']}回 自治基本条例見直し委員会",
                            agenda=m["agenda"], starts_on=m["date"])
        new_document = document_topic(consultation) is None
        counts = import_document(consultation, parse_document(outline_text(data)), None, title=DOCUMENT_TITLE,
                                 log=False)
        if new_document:
            self.added["topic"] += 1
        for table, n in (("section", counts["create"]), ("section_revision", counts["create"] + counts["revise"])):
            if n:
                self.added[table] += n
        return consultation

    def budgets(self) -> None:
        data = read("ward_budgets")
        for w in data["wards"]:
            ward = db.session.scalar(select(Ward).filter_by(code=w["ward"]))
            budget = self.get_or_add(WardBudget, {"ward_id": ward.id, "fiscal_year": data["fiscal_year"]},
                                     vision=w.get("vision", ""), stated_total=w["stated_total"],
                                     source=data.get("source", ""))
            for item in w["items"]:
                self.get_or_add(BudgetItem, {"budget_id": budget.id, "no": item["no"]},
                                kinds=",".join(item["kinds"]), name=item["name"],
                                group_label=item.get("group", ""), description=item.get("description", ""),
                                amount=item["amount"])

    def staff_opinions(self) -> None:
        data = read("staff_opinions")
        for h_pos, heading in enumerate(data["headings"], start=1):
            for pos, text in enumerate(heading["opinions"], start=1):
                self.get_or_add(StaffOpinion, {"heading_position": h_pos, "position": pos},
                                heading=heading["title"], text=text)

    def other_cities(self) -> None:
        data = read("other_cities")
        for pos, city in enumerate(data["cities"], start=1):
            self.get_or_add(OtherCity, {"name": city["name"]}, position=pos, request_to=city.get("request_to", ""),
                            programs=city.get("programs", []), budget_fy2012=city.get("budget_fy2012", ""),
                            allocation=city.get("allocation", ""), note=city.get("note", ""))
        for pos, project in enumerate(data["own_projects"], start=1):
            self.get_or_add(OtherCityProject, {"position": pos}, city=project["city"], program=project["program"],
                            summary=project.get("summary", ""), examples=project.get("examples", []))

    def documents(self) -> None:
        titles = {"organisation": "本庁・区役所・出張所等の現状", "ordinance": "熊本市自治基本条例の見直し"}
        for slug, title in titles.items():
            data = _jsonable(read(slug))
            self.get_or_add(ReferenceDocument, {"slug": slug}, title=title, source=data.pop("source", ""), data=data)


PUBCOM_SLUG = "jichi-kihon-jorei-h26"
PUBCOM_TITLE = "熊本市自治基本条例の改正条文骨子（案）へのご意見（パブリックコメント）"
DOCUMENT_TITLE = "熊本市自治基本条例 改正条文骨子（案）"
JST_SEED = timezone(timedelta(hours=9))
PUBCOM_OPENS = datetime(2014, 10, 1, 0, 0, tzinfo=JST_SEED)
PUBCOM_CLOSES = datetime(2014, 10, 31, 23, 59, tzinfo=JST_SEED)


def pubcom_body(data: dict[str, Any]) -> str:
    """The public comment's background (Markdown), from the facts of ``ordinance.toml``."""
    promotion, review = data["promotion_committee"], data["review_committee"]
    points = "\n".join(f"{n}. {point}" for n, point in enumerate(promotion["report_points"], start=1))
    meetings = "\n".join(
        f"- 第{m['number']}回（{m['date'].year}年{m['date'].month}月{m['date'].day}日）：{m['agenda']}"
        for m in data["review_meetings"])
    steps = "\n".join(f"- {s['when']}（{s['when_iso'][:4]}年{int(s['when_iso'][5:])}月）：{s['what']}"
                       for s in data["next_steps"])
    return f"""熊本市は、自治基本条例の改正に向けた条文の骨子（案）をまとめました。条文ごとに、また条文の一部を選んで、ご意見をお寄せください。いただいたご意見と市の考え方は、まとめて公表します。

## なぜ見直すのか

自治基本条例第39条第1項は、施行後4年を超えない期間ごとに条例を見直し、必要な措置をとることを定めています。政令指定都市への移行で区役所が置かれ、各区では住民との参画・協働による、区の特性に合わせたまちづくりが進んでいます。こうした施行後4年間の変化に合わせて、条例を見直すことになりました。

## これまでの経過

{promotion["name"]}（{promotion["basis"]}、{promotion["period"]}）は、次の2点を条例に明記するよう答申しました。

{points}

この答申をもとに、{review["name"]}（{review["period"]}）が、委員それぞれの立場から改正条文骨子を議論してきました。

{meetings}

## 今後の予定

{steps}
"""


def _utc(moment: datetime) -> datetime:
    """An aware TOML datetime → the naive UTC every timestamp column stores."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _jsonable(value):
    """TOML dates → ISO strings, so a document fits a JSON column."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load_seed() -> Counter[str]:
    return Loader().run()
