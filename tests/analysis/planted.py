"""A finished text run planted straight into the database (no engine): known groups, members and a
copy-paste campaign, so the decisions and counts can be checked exactly."""

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.analysis.models import AnalysisGroup, AnalysisPoint, AnalysisRun
from consult.consultation.models import Consultation, Topic
from consult.extensions import db
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no

SLUG = "kumamoto-ward-offices-h26"
PUBCOM = "jichi-kihon-jorei-h26"
CAMPAIGN_TEXT = "区役所の窓口の待ち時間を短くしてください。土日も開けてください。"


@dataclass
class Planted:
    run: AnalysisRun
    groups: dict[str, AnalysisGroup]
    comments: dict[str, Comment]  # "c1" … in id order
    campaign: list[int] = field(default_factory=list)  # the campaign C1's comment ids


def plant_run(slug: str = SLUG, *, status: str = "pending") -> Planted:
    """Broad "1" = fine "1-1" (c1–c3, the campaign C1, all in 中央区) + "1-2" (c4–c6 and c9 of another
    topic); broad "2" = fine "2-1" (c7, c8 and c10 of another topic). Others are in 北区."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)
                                .order_by(Topic.number)).all()
    first, second = topics[0], topics[1] if len(topics) > 1 else topics[0]
    comments = {}
    for n in range(1, 11):
        body = CAMPAIGN_TEXT if n <= 3 else f"ご意見その{n}：出張所の手続きについて考えてほしい。"
        c = Comment(receipt_no=new_receipt_no(), topic_id=(second if n in (9, 10) else first).id,
                    ward_code="chuo" if n <= 3 else "kita", channel="web", status=status, body=body)
        db.session.add(c)
        db.session.flush()
        comments[f"c{n}"] = c
    run = AnalysisRun(consultation_id=consultation.id, kind="text", state="done", input_count=10,
                      summary_json=json.dumps({"campaigns": [{"key": "C1", "size": 3,
                                                              "representative": comments["c1"].id}]}))
    made = [("1", None, "窓口・待ち時間", 7), ("1-1", "1", "待ち時間・土日", 3), ("1-2", "1", "出張所・手続き", 4),
            ("2", None, "出張所・考える", 3), ("2-1", "2", "出張所・考える", 3)]
    reps = {"1": ["c1", "c4"], "1-1": ["c1"], "1-2": ["c4", "c9"], "2": ["c7", "c10"], "2-1": ["c7"]}
    run.groups = [AnalysisGroup(key=key, parent_key=parent, position=i, label=label, size=size,
                                detail_json=json.dumps({"representatives": [comments[r].id for r in reps[key]]}))
                  for i, (key, parent, label, size) in enumerate(made)]
    db.session.add(run)
    db.session.flush()
    fine_of = {**dict.fromkeys(["c1", "c2", "c3"], "1-1"), **dict.fromkeys(["c4", "c5", "c6", "c9"], "1-2"),
               **dict.fromkeys(["c7", "c8", "c10"], "2-1")}
    for name, c in comments.items():
        db.session.add(AnalysisPoint(run_id=run.id, item_id=c.id, group_key=fine_of[name].split("-")[0],
                                     subgroup_key=fine_of[name], campaign_key="C1" if name in ("c1", "c2", "c3") else None,
                                     x=0.1 * int(name[1:]), y=0.5))
    db.session.commit()
    return Planted(run, {g.key: g for g in run.groups}, comments,
                   [comments[n].id for n in ("c1", "c2", "c3")])
