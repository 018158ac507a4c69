"""`flask demo-data`: clearly labelled synthetic participation for demos and benchmarks.

Every row it makes carries ``is_demo = True`` and shows a デモ badge. It refuses to run on a
database that already holds real participation, so a real deployment never gets it by accident.
"""

import os
import random
import secrets
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

from ..auth.models import User
from ..auth.services import create_user
from ..consultation.models import Consultation, Proposal, Topic, Ward
from ..core.codes import AGE_BANDS, RELATIONS
from ..extensions import db
from ..i18n import JST, to_jst, utcnow
from ..participation import tallies
from ..participation.models import Comment, Participant, Support, Vote
from ..participation.services import new_receipt_no
from ..pubcom.provisions import document_topic
from ..workshops.models import Workshop

# Synthetic opinions, written for the demo; one topic's list is drawn from at random.
OPINIONS = {
    "roles": [
        "区役所で手続きも相談も完結できるようにしてほしいです。",
        "本庁と区役所のどちらに聞けばよいのか分からないことがよくあります。",
        "区長にもっと裁量があれば、地域の事情に合った対応が早くなると思います。",
        "職員を増やすより、まず仕事の分担を整理するのが先ではないでしょうか。",
        "区役所ができて便利になった実感はあります。この方向で続けてください。",
    ],
    "cooperation": [
        "窓口で本庁に確認しますと言われて待たされることが多いです。",
        "どの区でも同じ説明を受けられるよう、案内の内容をそろえてほしいです。",
        "本庁の担当者が区役所の現場をもっと見に来るべきだと思います。",
        "区と本庁の情報共有が進めば、たらい回しが減ると期待しています。",
    ],
    "community": [
        "まちづくりの予算は人口だけでなく面積や地域の事情も考えて配分してほしい。",
        "校区の行事に区役所の職員が顔を出してくれると相談しやすくなります。",
        "区のイベントは毎年同じ内容なので、若い世代の意見も取り入れてほしい。",
        "地域で活動している団体どうしをつなぐ役割を区役所に期待します。",
        "まちづくり交流室と公民館の違いがよく分かりません。",
    ],
    "counters": [
        "住民票や証明書はコンビニで取れるようにしてほしいです。",
        "出張所でできる手続きが場所によって違うのは分かりにくいです。",
        "平日に休めないので、土日にも窓口を開けてほしい。",
        "高齢の親は車がないので、近くの出張所は残してほしいです。",
        "一つの窓口で関係する手続きがまとめて済むと助かります。",
    ],
}

# Uneven on purpose, so that over- and under-represented wards show in the review.
WARD_WEIGHTS = {"chuo": 30, "higashi": 22, "nishi": 8, "minami": 12, "kita": 18, "outside": 4, "undisclosed": 6}


# The demo's voters lean to one of two camps (and a few to neither), so that a votes analysis has
# groups to find: every fourth proposal is agreed by almost everyone (a consensus), the others split
# the camps — camp 0 agrees with the even ones, camp 1 with the odd ones. Agree probabilities.
CAMP_WEIGHTS = (45, 40, 15)  # camp 0, camp 1, undecided
AGREE_IF_FAVOURED, AGREE_IF_NOT, AGREE_UNDECIDED, AGREE_CONSENSUS = 0.85, 0.15, 0.5, 0.85
VOTES_PER_VOTER = (7, 12)  # at least the analysis' default minimum of 7 votes


def demo_votes(rng: random.Random, person_ids: list[int], proposal_ids: list[int], limit: int):
    """(participant, proposal, value) for ``limit`` distinct pairs: voters in a seeded order each vote
    on 7–12 proposals (all of them if fewer), leaning by camp; once every participant has voted,
    further votes go to random pairs still free. Deterministic for a given rng, ids and limit."""
    if not person_ids or not proposal_ids or limit <= 0:
        return
    camps = {pid: rng.choices((0, 1, 2), CAMP_WEIGHTS)[0] for pid in person_ids}
    order = list(person_ids)
    rng.shuffle(order)
    consensus = {p for i, p in enumerate(proposal_ids) if i % 4 == 0}
    favoured = {p: i % 2 for i, p in enumerate(proposal_ids)}
    made: set[tuple[int, int]] = set()

    def value(pid: int, proposal_id: int) -> str:
        camp = camps[pid]
        if proposal_id in consensus:
            agree = AGREE_CONSENSUS
        elif camp == 2:
            agree = AGREE_UNDECIDED
        else:
            agree = AGREE_IF_FAVOURED if favoured[proposal_id] == camp else AGREE_IF_NOT
        roll = rng.random()
        if roll < agree:
            return "agree"
        return "disagree" if roll < agree + (1 - agree) * 0.75 else "pass"

    for pid in order:
        wanted = min(len(proposal_ids), rng.randint(*VOTES_PER_VOTER))
        for proposal_id in sorted(rng.sample(proposal_ids, wanted)):
            if len(made) >= limit:
                return
            made.add((pid, proposal_id))
            yield pid, proposal_id, value(pid, proposal_id)
    while len(made) < limit:
        pid, proposal_id = rng.choice(person_ids), rng.choice(proposal_ids)
        if (pid, proposal_id) not in made:
            made.add((pid, proposal_id))
            yield pid, proposal_id, value(pid, proposal_id)


class RealDataPresent(Exception):
    pass


def give_demo_period(consultation: Consultation, now: datetime, *, replace_past: bool = False) -> None:
    """A comment period around today, so that the demo shows a deadline and accepts comments: opened
    30 days ago at 09:00, closing at 23:59 JST four weeks from today. A period staff set is kept
    (with ``replace_past``, only while it has not closed: the seed's public comment of H26.10 has)."""
    if consultation.comments_close_at_utc is not None and not (
            replace_past and consultation.comments_close_at_utc <= now):
        return
    today = to_jst(now).date()
    opens = datetime.combine(today - timedelta(days=30), time(9, 0), JST)
    closes = datetime.combine(today + timedelta(days=28), time(23, 59, 59), JST)
    consultation.comments_open_at_utc = opens.astimezone(timezone.utc).replace(tzinfo=None)
    consultation.comments_close_at_utc = closes.astimezone(timezone.utc).replace(tzinfo=None)


def make_demo_data(*, participants: int = 120, comments: int = 240, votes: int = 600, seed: int = 2014,
                   chunk: int = 5000, progress=None) -> dict[str, int]:
    """Insert synthetic participants, comments, votes and supports in bulk; return the counts."""
    real = db.session.scalar(select(func.count(Comment.id)).where(Comment.is_demo.is_(False)))
    if real:
        raise RealDataPresent(real)
    rng = random.Random(seed)
    # The deliberation (the seed's first consultation); the public comment gets its own few below.
    consultation = db.session.scalar(select(Consultation).where(Consultation.kind == "deliberation")
                                     .order_by(Consultation.id).limit(1))
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)).all()
    proposals = db.session.scalars(select(Proposal).where(Proposal.topic_id.in_([t.id for t in topics]))).all()
    wards = [w.code for w in db.session.scalars(select(Ward))] + ["outside", "undisclosed"]
    weights = [WARD_WEIGHTS.get(code, 10) for code in wards]
    now = utcnow()
    give_demo_period(consultation, now)

    people = []
    for _ in range(participants):
        people.append(dict(public_id="demo" + "%028x" % rng.getrandbits(112), is_demo=True,
                           ward_code=rng.choices(wards, weights)[0], relation=rng.choice(RELATIONS),
                           age_band=rng.choice((None,) + AGE_BANDS), created_at_utc=now - timedelta(days=30)))
    db.session.execute(insert(Participant), people)
    person_rows = db.session.execute(
        select(Participant.id, Participant.ward_code, Participant.relation, Participant.age_band)
        .where(Participant.is_demo.is_(True))).all()

    made = 0
    receipts: set[str] = set()
    while made < comments:
        batch = []
        for _ in range(min(chunk, comments - made)):
            pid, ward, relation, age = rng.choice(person_rows)
            topic = rng.choice(topics)
            receipt = new_receipt_no()
            while receipt in receipts:
                receipt = new_receipt_no()
            receipts.add(receipt)
            created = now - timedelta(minutes=rng.randint(0, 30 * 24 * 60))
            status = rng.choices(("published", "pending", "hidden"), (70, 25, 5))[0]
            batch.append(dict(
                receipt_no=receipt, topic_id=topic.id, participant_id=pid, ward_code=ward, relation=relation,
                age_band=age, channel=rng.choices(("web", "workshop", "paper"), (60, 30, 10))[0], status=status,
                body=rng.choice(OPINIONS.get(topic.slug, OPINIONS["roles"])), is_demo=True,
                created_at_utc=created, published_at_utc=created if status == "published" else None))
        db.session.execute(insert(Comment), batch)
        made += len(batch)
        if progress:
            progress("comments", made, comments)

    pairs: set[tuple[int, int]] = set()
    limit = min(votes, len(person_rows) * len(proposals))
    vote_rows = []
    for pid, proposal_id, value in demo_votes(random.Random(seed + 1), sorted(p[0] for p in person_rows),
                                              sorted(p.id for p in proposals), limit):
        pairs.add((pid, proposal_id))
        vote_rows.append(dict(participant_id=pid, proposal_id=proposal_id, value=value,
                              created_at_utc=now, updated_at_utc=now))
        if len(vote_rows) >= chunk:
            db.session.execute(insert(Vote), vote_rows)
            vote_rows = []
            if progress:
                progress("votes", len(pairs), limit)
    if vote_rows:
        db.session.execute(insert(Vote), vote_rows)

    published = db.session.scalars(select(Comment.id).where(Comment.is_demo.is_(True),
                                                            Comment.status == "published").limit(200)).all()
    supports = {(rng.choice(person_rows)[0], rng.choice(published)) for _ in range(len(published) * 2)} if published else set()
    if supports:
        db.session.execute(insert(Support), [dict(participant_id=p, comment_id=c, created_at_utc=now)
                                             for p, c in supports])
    pubcom_comments = _pubcom_demo(rng, person_rows, now, receipts)
    tallies.recount(db.session)  # the bulk inserts above bypass cast_vote
    db.session.commit()
    return {"participants": participants, "comments": comments + pubcom_comments, "votes": len(pairs),
            "supports": len(supports)}


# Synthetic opinions on the 条文骨子: (anchor or None for the whole document, quote or None, text).
PUBCOM_OPINIONS = (
    (None, None, "区のまちづくりを条例に書くことに賛成です。区ごとの違いが生かされるとよいと思います。"),
    ("ch5-1", None, "地域の団体どうしが連携するための場を、市が用意してほしいです。"),
    ("ch6-1-2-2", "合意形成に努める", "合意形成の進め方を、区民に分かるように示してほしいです。"),
    ("ch6-2", "予算の確保", "区の予算がどう決まるのか、毎年公表してほしいです。"),
    ("note1", None, "通勤・通学している人も区民に含めるのはよいと思います。"),
)


def _pubcom_demo(rng: random.Random, person_rows, now: datetime, receipts: set[str]) -> int:
    """A few published web comments on the seed's public comment, some on provisions, one on a
    passage; and an open demo period for it."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.kind == "pubcom")
                                     .order_by(Consultation.id).limit(1))
    topic = document_topic(consultation) if consultation is not None else None
    if topic is None:
        return 0
    give_demo_period(consultation, now, replace_past=True)
    sections = {s.anchor: s for s in topic.sections}
    rows = []
    for anchor, quote, text in PUBCOM_OPINIONS:
        section = sections.get(anchor) if anchor else None
        if anchor and section is None:
            continue
        pid, ward, relation, age = rng.choice(person_rows)
        receipt = new_receipt_no()
        while receipt in receipts:
            receipt = new_receipt_no()
        receipts.add(receipt)
        created = now - timedelta(minutes=rng.randint(0, 20 * 24 * 60))
        rows.append(dict(receipt_no=receipt, topic_id=topic.id, section_id=section.id if section else None,
                         section_revision_id=section.current.id if section else None,
                         quote=quote if section and quote and quote in section.current.body else None,
                         participant_id=pid, ward_code=ward, relation=relation, age_band=age, channel="web",
                         status="published", body=text, is_demo=True, created_at_utc=created,
                         published_at_utc=created))
    if rows:
        db.session.execute(insert(Comment), rows)
    return len(rows)


DEMO_STAFF = (("facilitator@example.jp", "facilitator", "デモ ファシリテーター1", ("ws-chuo", "ws-higashi", "ws-nishi")),
              ("facilitator2@example.jp", "facilitator", "デモ ファシリテーター2", ("ws-minami", "ws-kita")),
              ("secretariat@example.jp", "secretariat", "デモ 事務局", ()),
              ("admin@example.jp", "admin", "デモ 管理者", ()))


def make_demo_staff(instance_path: str) -> list[tuple[str, str, str]]:
    """Demo staff accounts with random passwords, kept in instance/demo-staff.txt (mode 600).

    Returns (email, role, password) for the accounts made now; existing accounts are left alone.
    """
    made = []
    for email, role, name, workshop_keys in DEMO_STAFF:
        if db.session.scalar(select(User).where(User.email == email)) is not None:
            continue
        password = secrets.token_urlsafe(12)
        user = create_user(email, role, password, name)
        for workshop in db.session.scalars(select(Workshop).where(Workshop.key.in_(workshop_keys))):
            workshop.facilitator_id = user.id
        db.session.commit()
        made.append((email, role, password))
    if made:
        path = Path(instance_path) / "demo-staff.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            for email, role, password in made:
                fh.write(f"{role:12} {email:26} {password}\n")
    return made
