"""Workshops, their notes, seats, dots and themes, and opinion groups — in bulk, for the benchmark.

`flask demo-data` makes participants, comments, votes and supports. This adds what a consultation
of the issue's size also has, with SQLAlchemy Core inserts on the project's own models:

- workshops up to ``--workshops`` in all (the five seeded ward workshops included), eight tables
  each, every topic in scope; ``--open`` of them open with a join code, the rest closed;
- per workshop ``--notes`` notes: Comments of channel ``workshop`` (a seated phone's, with its table)
  or ``paper`` (typed in, with a dot tally), spread over the workshop's topics, most on a KJ theme;
- seats (``--seats`` phones per workshop, drawn from the demo participants) and their dots
  (every phone spends its three dots, on notes and now and then on a proposal);
- opinion groups: each closed workshop's themes as *proposed* groups holding their notes (what
  closing a workshop does), and ``--groups`` confirmed groups per topic with a summary, the city's
  answer and a response category, holding about 60 % of the topic's other comments.

Every comment it makes is labelled synthetic (``is_demo``), like demo-data's. Run it after
`flask demo-data` against the same database (``DATABASE_URL``)::

    DATABASE_URL=sqlite:////abs/path.sqlite .venv/bin/python bench/populate.py --workshops 50 --notes 300

Progress goes to stderr.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, update  # noqa: E402

NOTE_TEXTS = [
    "出張所の窓口を土曜日も開けてほしい",
    "区役所の案内表示をもっと分かりやすく",
    "高齢者が相談しやすい窓口を残してほしい",
    "まちづくり交流室の予算を地域で決めたい",
    "校区ごとの集まりに職員が来てくれると助かる",
    "本庁と区役所の役割分担を図にしてほしい",
    "証明書はコンビニで取れると便利",
    "若い世代が参加しやすい時間帯にしてほしい",
    "区長の裁量をもっと大きくしてよいと思う",
    "同じ手続きで何度も窓口を回らされた",
    "地域の団体どうしをつなぐ役を区に期待",
    "防災の情報を区ごとに分かりやすく出してほしい",
    "バスが少ない地域は出張所が頼り",
    "オンラインで予約できる窓口があるとよい",
    "区のイベントの内容を見直してほしい",
]
THEME_NAMES = ["窓口の利便性", "本庁との連携", "地域のつながり", "情報の届け方", "若い世代の参加", "予算の使い方",
               "高齢者への配慮", "手続きの簡素化"]
GROUP_TITLES = ["窓口の開設時間", "出張所の存続", "本庁と区の役割分担", "情報共有の改善", "まちづくり予算の配分",
                "地域団体の連携", "若い世代の参加", "手続きのオンライン化", "区長の裁量", "案内表示の改善",
                "防災と区役所", "高齢者の相談窓口"]
CATEGORIES = ("reflect", "included", "reference", "other")


def say(message: str) -> None:
    print(f"populate: {message}", file=sys.stderr, flush=True)


def populate(*, workshops: int, notes: int, seats: int, open_count: int, groups: int, seed: int) -> dict:
    from consult.consultation.models import Consultation, Proposal, Topic, Ward
    from consult.extensions import db
    from consult.i18n import utcnow
    from consult.participation import tallies
    from consult.participation.models import Comment, Participant
    from consult.participation.services import new_receipt_no
    from consult.secretariat.models import OpinionGroup
    from consult.workshops.models import DotVote, Theme, Workshop, WorkshopSeat, WorkshopTable, workshop_topic
    from consult.workshops.services import new_join_code

    rng = random.Random(seed)
    now = utcnow()
    session = db.session
    # The workshops belong to the deliberation (the seed also makes a public comment after it).
    consultation = session.scalar(select(Consultation).where(Consultation.kind == "deliberation")
                                  .order_by(Consultation.id).limit(1))
    topics = session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)
                             .order_by(Topic.number)).all()
    topic_ids = [t.id for t in topics]
    proposals_by_topic: dict[int, list[int]] = {}
    for pid, tid in session.execute(select(Proposal.id, Proposal.topic_id).where(Proposal.topic_id.in_(topic_ids))):
        proposals_by_topic.setdefault(tid, []).append(pid)
    wards = session.scalars(select(Ward).order_by(Ward.position)).all()
    ward_code = {w.id: w.code for w in wards}
    people = session.execute(select(Participant.id, Participant.relation, Participant.age_band)
                             .where(Participant.is_demo.is_(True))).all()
    if len(people) < seats:
        raise SystemExit(f"populate: need at least {seats} demo participants (run flask demo-data first)")

    # --- workshops: the seeded ones first, then new ones up to the total ---------------------
    existing = session.scalars(select(Workshop).where(Workshop.consultation_id == consultation.id)
                               .order_by(Workshop.id)).all()
    made = 0
    for n in range(len(existing), workshops):
        ward = wards[n % len(wards)]
        starts = now - timedelta(days=30 - (n % 28), hours=rng.randint(0, 5))
        wid = session.execute(insert(Workshop).values(
            consultation_id=consultation.id, key=f"bench-{n + 1:03d}", ward_id=ward.id,
            title=f"{ward.name}ワークショップ（ベンチマーク用 {n + 1}）", venue=f"{ward.name}まちづくりセンター",
            starts_at_utc=starts, ends_at_utc=starts + timedelta(hours=2), state="planned",
            dots_per_participant=3, created_at_utc=now).returning(Workshop.id)).scalar_one()
        session.execute(insert(WorkshopTable), [dict(workshop_id=wid, name=f"テーブル{i}", position=i)
                                                for i in range(1, 9)])
        session.execute(insert(workshop_topic), [dict(workshop_id=wid, topic_id=t) for t in topic_ids])
        made += 1
    say(f"workshops: {made} added, {len(existing) + made} in all")
    all_workshops = session.execute(select(Workshop.id, Workshop.ward_id, Workshop.starts_at_utc)
                                    .where(Workshop.consultation_id == consultation.id)
                                    .order_by(Workshop.id)).all()[:workshops]
    tables: dict[int, list[int]] = {}
    for tid, wid in session.execute(select(WorkshopTable.id, WorkshopTable.workshop_id)
                                    .order_by(WorkshopTable.position)):
        tables.setdefault(wid, []).append(tid)
    scope: dict[int, list[int]] = {}
    for wid, tid in session.execute(select(workshop_topic.c.workshop_id, workshop_topic.c.topic_id)):
        scope.setdefault(wid, []).append(tid)

    # The first ``open_count`` are open (with a join code), the others closed.
    state_of: dict[int, str] = {}
    for i, (wid, _ward, starts) in enumerate(all_workshops):
        state = "open" if i < open_count else "closed"
        state_of[wid] = state
        values = dict(state=state, opened_at_utc=starts or now)
        if state == "open":
            values["join_code"] = new_join_code()
        else:
            values["closed_at_utc"] = (starts or now) + timedelta(hours=2)
        session.execute(update(Workshop).where(Workshop.id == wid).values(**values))

    # --- seats, themes, notes, dots ------------------------------------------------------------
    totals = dict(seats=0, themes=0, notes=0, dots=0, proposed_groups=0, confirmed_groups=0, grouped_comments=0)
    started = time.monotonic()
    for i, (wid, ward_id, starts) in enumerate(all_workshops, 1):
        starts = starts or now
        wtables = tables[wid]
        wtopics = scope.get(wid) or topic_ids
        seated = rng.sample(people, seats)
        seat_rows = [dict(workshop_id=wid, participant_id=p.id, table_id=wtables[k % len(wtables)],
                          joined_at_utc=starts) for k, p in enumerate(seated)]
        session.execute(insert(WorkshopSeat), seat_rows)
        table_of = {row["participant_id"]: row["table_id"] for row in seat_rows}
        theme_ids_by_topic: dict[int, list[int]] = {}
        for pos, name in enumerate(rng.sample(THEME_NAMES, 6), 1):
            topic_id = wtopics[(pos - 1) % len(wtopics)]
            theme_id = session.execute(insert(Theme).values(
                workshop_id=wid, topic_id=topic_id, name=name, position=pos,
                created_at_utc=starts).returning(Theme.id)).scalar_one()
            theme_ids_by_topic.setdefault(topic_id, []).append(theme_id)
            totals["themes"] += 1
        rows = []
        for k in range(notes):
            topic_id = rng.choice(wtopics)
            paper = rng.random() < 0.2
            person = None if paper else rng.choice(seated)
            themes = theme_ids_by_topic.get(topic_id)
            status = rng.choices(("published", "pending", "hidden"), (85, 10, 5))[0]
            created = starts + timedelta(seconds=rng.randint(0, 7200))
            rows.append(dict(
                receipt_no=new_receipt_no(), topic_id=topic_id, participant_id=person.id if person else None,
                ward_code=ward_code[ward_id], relation=person.relation if person else None,
                age_band=person.age_band if person else None, channel="paper" if paper else "workshop",
                status=status, body=rng.choice(NOTE_TEXTS), is_demo=True, created_at_utc=created,
                published_at_utc=created if status == "published" else None, workshop_id=wid,
                table_id=table_of[person.id] if person else rng.choice(wtables),
                theme_id=rng.choice(themes) if themes and rng.random() < 0.7 else None,
                paper_dots=rng.randint(0, 6) if paper else 0))
        session.execute(insert(Comment), rows)
        totals["notes"] += len(rows)
        totals["seats"] += len(seat_rows)
        note_ids = session.scalars(select(Comment.id).where(Comment.workshop_id == wid,
                                                           Comment.status != "hidden")).all()
        dots = []
        for p in seated:
            for slot in (1, 2, 3):
                if slot == 3 and rng.random() < 0.3:
                    target = dict(comment_id=None, proposal_id=rng.choice(proposals_by_topic[rng.choice(wtopics)]))
                else:
                    target = dict(comment_id=rng.choice(note_ids), proposal_id=None)
                dots.append(dict(workshop_id=wid, participant_id=p.id, slot=slot, created_at_utc=starts, **target))
        session.execute(insert(DotVote), dots)
        totals["dots"] += len(dots)
        if i % 10 == 0 or i == len(all_workshops):
            session.commit()
            say(f"workshops {i:,}/{len(all_workshops):,} (notes {totals['notes']:,}, seats {totals['seats']:,}, "
                f"dots {totals['dots']:,}) {time.monotonic() - started:.1f}s")

    # --- proposed groups: what closing each closed workshop made of its themes ----------------
    for theme_id, topic_id, name, pos, wid in session.execute(
            select(Theme.id, Theme.topic_id, Theme.name, Theme.position, Theme.workshop_id)).all():
        if state_of.get(wid) != "closed":
            continue
        gid = session.execute(insert(OpinionGroup).values(
            topic_id=topic_id, title=name, summary="", answer="", state="proposed", source_theme_id=theme_id,
            position=pos, created_at_utc=now, updated_at_utc=now).returning(OpinionGroup.id)).scalar_one()
        session.execute(update(Comment).where(Comment.theme_id == theme_id, Comment.opinion_group_id.is_(None))
                        .values(opinion_group_id=gid))
        totals["proposed_groups"] += 1
    session.commit()
    say(f"proposed opinion groups from workshop themes: {totals['proposed_groups']:,}")

    # --- confirmed groups with the city's answers, holding ~60 % of the other comments ---------
    for topic_id in topic_ids:
        ids = []
        for pos, title in enumerate(GROUP_TITLES[:groups], 1):
            ids.append(session.execute(insert(OpinionGroup).values(
                topic_id=topic_id, title=title, summary=f"{title}についてのご意見（ベンチマーク用の要約）",
                answer=f"{title}については、いただいたご意見を踏まえて検討します。（ベンチマーク用）",
                response_category=CATEGORIES[pos % len(CATEGORIES)], state="confirmed", position=pos,
                created_at_utc=now, updated_at_utc=now).returning(OpinionGroup.id)).scalar_one())
            totals["confirmed_groups"] += 1
        for k, gid in enumerate(ids):
            result = session.execute(
                update(Comment).where(Comment.topic_id == topic_id, Comment.workshop_id.is_(None),
                                      Comment.opinion_group_id.is_(None), (Comment.id % 10) < 6,
                                      (Comment.id % len(ids)) == k)
                .values(opinion_group_id=gid))
            totals["grouped_comments"] += result.rowcount
        session.commit()
        say(f"confirmed groups for topic {topic_id}: {len(ids)}")
    totals["comments_in_all"] = session.scalar(select(func.count(Comment.id)))
    tallies.recount(session)  # the notes above were inserted in bulk, past the ORM's bookkeeping
    session.commit()
    return totals


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workshops", type=int, default=50, help="workshops in all, the seeded ones included")
    parser.add_argument("--notes", type=int, default=300, help="notes per workshop")
    parser.add_argument("--seats", type=int, default=40, help="seated phones per workshop")
    parser.add_argument("--open", dest="open_count", type=int, default=2, help="how many workshops stay open")
    parser.add_argument("--groups", type=int, default=12, help="confirmed opinion groups per topic")
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the benchmark's database")
    from consult import create_app

    app = create_app()
    with app.app_context():
        started = time.monotonic()
        totals = populate(workshops=args.workshops, notes=args.notes, seats=args.seats, open_count=args.open_count,
                          groups=args.groups, seed=args.seed)
        say("added " + ", ".join(f"{v:,} {k}" for k, v in totals.items())
            + f" in {time.monotonic() - started:.1f}s (all labelled デモ)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
