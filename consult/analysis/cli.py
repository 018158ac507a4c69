"""`flask analysis run SLUG [--kind text|votes] [--topic N] [--channel C]`, `work RUN_ID`, `show RUN_ID`,
`export RUN_ID`, and the imports into a new consultation: `import-kouchou FILE --consultation SLUG`,
`import-polis DIR --consultation SLUG`."""

import os
import sys

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..consultation.models import Topic
from ..editing import consultations
from ..extensions import db
from ..core.errors import InvalidInput
from . import exports, imports, runs
from .interop import ImportFormatError
from .models import AnalysisRun

analysis_cli = AppGroup("analysis", help="Suggested groups from text and votes (broad listening).")


def _consultation(slug: str):
    consultation = consultations.find(slug)
    if consultation is None:
        raise click.ClickException(f"no consultation {slug!r}; `flask consultations list` shows them")
    return consultation


@analysis_cli.command("run")
@click.argument("slug")
@click.option("--kind", type=click.Choice(["text", "votes"]), default="text", show_default=True)
@click.option("--topic", "topic_number", type=click.IntRange(1, 1000), help="Only this topic (its number).")
@click.option("--channel", help="Only comments of this channel (web, workshop, paper, …).")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only what was received on or after this day (JST, YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only what was received on or before this day (JST, YYYY-MM-DD).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
def run_command(slug, kind, topic_number, channel, date_from, date_to, seed):
    """Analyse a consultation here and now, with a progress bar; prints the run id."""
    consultation = _consultation(slug)
    topic_id = None
    if topic_number is not None:
        topic = db.session.scalar(db.select(Topic).where(Topic.consultation_id == consultation.id,
                                                         Topic.number == topic_number))
        if topic is None:
            raise click.ClickException(f"{slug} has no topic {topic_number}")
        topic_id = topic.id
    try:
        if date_from and date_to and date_from > date_to:
            raise click.ClickException("--to is before --from")
        selection = runs.Selection(topic_id=topic_id, channel=channel,
                                   date_from=date_from.date().isoformat() if date_from else None,
                                   date_to=date_to.date().isoformat() if date_to else None)
        run = runs.start(kind, consultation, selection=selection, settings={"seed": seed})
    except runs.RunRefused as exc:
        raise click.ClickException(runs.as_text(exc.message)) from None
    with click.progressbar(length=1000, label=f"run {run.id}", file=sys.stderr) as bar:
        done = [0]

        def progress(stage: str, fraction: float) -> None:
            step = int(fraction * 1000) - done[0]
            if step > 0:
                bar.label = f"run {run.id}: {stage}"
                bar.update(step)
                done[0] += step

        finished = runs.perform(run.id, progress=progress)
    if finished.state != "done":
        raise click.ClickException(f"run {finished.id} failed: {finished.error_message}")
    click.echo(finished.id)


@analysis_cli.command("work", hidden=True)
@click.argument("run_id", type=click.IntRange(1, 2**63 - 1))
def work_command(run_id):
    """Do a queued run (started by the web worker in the embedded setup)."""
    try:
        runs.perform(run_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None


@analysis_cli.command("show")
@click.argument("run_id", type=click.IntRange(1, 2**63 - 1))
def show_command(run_id):
    """A run's state, input, settings and groups."""
    run = db.session.get(AnalysisRun, run_id)
    if run is None:
        raise click.ClickException(f"no analysis run {run_id}")
    click.echo(f"run {run.id}: {run.kind} {run.state} input={run.input_count} settings={run.settings_json}")
    for g in run.groups:
        click.echo(f"  {g.key:>5} {g.size:>6}  {g.label}")


@analysis_cli.command("export")
@click.argument("run_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="A file (default: standard output).")
def export_command(run_id, fmt, output):
    """A finished run as JSON (groups, members, map) or as kouchou-ai's result CSV (text runs)."""
    run = db.session.get(AnalysisRun, run_id)
    if run is None or run.state != "done":
        raise click.ClickException(f"no finished analysis run {run_id}")
    try:
        data = exports.export(run, fmt)
    except InvalidInput as exc:
        raise click.ClickException(" ".join(runs.as_text(m) for ms in exc.errors.values() for m in ms)) from None
    if output:
        with open(output, "wb") as f:
            f.write(data)
        click.echo(f"analysis: run {run_id} written to {output} ({len(data):,} bytes)", err=True)
    else:
        click.get_binary_stream("stdout").write(data)


def _read(path: str) -> bytes:
    try:
        if os.path.getsize(path) > imports.MAX_FILE_BYTES:
            raise click.ClickException(runs.as_text(_l("ファイル「%(file)s」が大きすぎます（%(max)sMBまで）。",
                                                        file=path, max=imports.MAX_FILE_BYTES // (1024 * 1024))))
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise click.ClickException(runs.as_text(_l("ファイル「%(file)s」を読めません（%(reason)s）。",
                                                    file=path, reason=exc.strerror or exc))) from None


def _do_import(do, file_name: str):
    """Run one import; any refusal is a message naming the problem (and its lines), nothing stored."""
    try:
        return do()
    except ImportFormatError as exc:
        db.session.rollback()
        where = runs.as_text(_l("（%(file)s）", file=file_name)) if file_name else ""
        raise click.ClickException(f"{runs.as_text(exc.message)}{where} [{exc.code}]") from None
    except InvalidInput as exc:
        db.session.rollback()
        raise click.ClickException(" ".join(runs.as_text(m) for ms in exc.errors.values() for m in ms)) from None
    except Exception:
        db.session.rollback()
        raise


def _report(result) -> None:
    c = result.consultation
    click.echo(runs.as_text(_l("意見募集「%(slug)s」（%(title)s、準備中）に取り込みました：ご意見%(comments)d件、提案%(proposals)d件、"
                               "参加者%(participants)d人、賛否%(votes)d件（文字コード %(encoding)s）。",
                               slug=c.slug, title=c.title, comments=result.comments, proposals=result.proposals,
                               participants=result.participants, votes=result.votes, encoding=result.encoding)))
    if result.skipped:
        click.echo(runs.as_text(_l("Polisで非表示にされた発言%(n)d件は、その賛否とともに取り込んでいません。",
                                   n=len(result.skipped))))


@analysis_cli.command("import-kouchou")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--consultation", "slug", required=True, help="The new consultation's slug (it must not exist).")
@click.option("--title", help="Its title (default: from the file name).")
def import_kouchou_command(file, slug, title):
    """A kouchou-ai / Talk to the City input CSV (comment-id, comment-body, …) into a new consultation."""
    data = _read(file)
    name = os.path.basename(file)
    _report(_do_import(lambda: imports.import_kouchou(data, slug=slug, title=title, file_name=name), name))


@analysis_cli.command("import-polis")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--consultation", "slug", required=True, help="The new consultation's slug (it must not exist).")
@click.option("--title", help="Its title (default: from the directory name).")
def import_polis_command(directory, slug, title):
    """A Polis export (DIR/comments.csv and DIR/participants-votes.csv) into a new consultation."""
    paths = [os.path.join(directory, n) for n in ("comments.csv", "participants-votes.csv")]
    for path in paths:
        if not os.path.isfile(path):
            raise click.ClickException(runs.as_text(_l("「%(file)s」がありません。Polisの書き出しのフォルダー"
                                                        "（comments.csv と participants-votes.csv）を指定してください。",
                                                        file=path)))
    comments, votes = (_read(p) for p in paths)
    name = os.path.basename(os.path.normpath(directory))
    _report(_do_import(lambda: imports.import_polis(
        comments, votes, slug=slug, title=title, comments_name=f"{name}/comments.csv",
        votes_name=f"{name}/participants-votes.csv"), ""))
