"""Command-line interface: ``petition-nlp COMMAND --help``.

Each command is a thin wrapper over a library function that returns data. Errors about
inputs end with a one-line message and exit code 2; no tracebacks.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=(
        "Classify Vietnamese worker petitions, shortlist questions, retrain on new labels.\n\n"
        "Reads .csv, .xlsx, .xlsm, .xls, .ods (every sheet holding a petition table; title lines, merged cells, "
        "two-row headers, totals and signatures below the table), .docx and text .pdf reports (tables, "
        "numbered or bulleted paragraphs), .tsv, .jsonl and .txt (one petition per line, or a tab-separated table)."
    ),
    pretty_exceptions_enable=False,
)

EXIT_INPUT = 2


def _show_version(value: bool) -> None:
    if value:
        from petition_nlp import __version__

        typer.echo(f"petition-nlp {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Classify Vietnamese worker petitions, shortlist questions, retrain on new labels."""


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _handled() -> Iterator[None]:
    """Turn expected failures into one-line messages and meaningful exit codes."""
    from petition_nlp.files.io import InputError
    from petition_nlp.model.modelstore import ModelError
    from petition_nlp.model.neural import MissingExtra

    if not gc.isenabled():  # start-up under main(): what the imports made lives to the end
        gc.freeze()
        gc.enable()  # (the model load pauses it again on its own)
    try:
        yield
    except (InputError, ModelError, MissingExtra) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        _err("interrupted; no output was written")
        raise typer.Exit(130) from None
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        raise typer.Exit(0) from None
    except typer.Exit:
        raise
    except ValueError as exc:
        _err(f"error: {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}")
        raise typer.Exit(EXIT_INPUT) from None
    except Exception as exc:  # last resort: still one line, never a traceback
        _err(f"error: unexpected {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        raise typer.Exit(1) from None


def _excluded_codes(spec: str, model: Any) -> list[str]:
    """The codes of ``--exclude``; a code neither the taxonomy nor the model knows is an error
    (a typo such as 'houssing' would otherwise leave housing on the shortlist)."""
    from petition_nlp.files.io import InputError
    from petition_nlp.grouping.shortlist import parse_codes
    from petition_nlp.resources import CATEGORY_CODES

    known = set(CATEGORY_CODES) | {str(c) for c in getattr(model, "classes_", ())}
    codes = parse_codes(spec, known)  # "Khác" is other
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(f"--exclude names unknown codes: {', '.join(unknown)} (codes: {', '.join(sorted(known))})")
    return codes


@contextmanager
def _progress(total: int, desc: str) -> Iterator[Callable[[int], None]]:
    from tqdm import tqdm

    bar = tqdm(total=total or None, desc=desc, unit="petition", file=sys.stderr, disable=None, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()


def _read(
    path: Path, header_row: Optional[int], *, sheet: Optional[str] = None, split_items: bool = False,
    text_column: Optional[str] = None,
) -> Any:
    from petition_nlp.files.io import read_table

    frame, info = read_table(path, header_row=header_row, sheet=sheet, split_items=split_items, text_column=text_column)
    _notes(path, info)
    return frame, info


def _notes(path: Path, info: Any) -> None:
    for note in info.notes:
        _err(f"note: {path}: {note}")
    if info.blank_rows_skipped:
        n = info.blank_rows_skipped
        _err(f"note: {path}: {n} blank row{'' if n == 1 else 's'} skipped")


def _text_column(frame: Any, given: Optional[str], path: Path, info: Any = None) -> str:
    from petition_nlp.files.io import resolve_text_column

    if info is not None and info.text_column is not None and info.text_column in frame.columns:
        return info.text_column  # the reader decided (and said so in a note)
    column = resolve_text_column(frame, given, source=path)
    if given is None:
        _err(f"text column: '{column}'")
    return column


def _classified(frame: Any, column: str, clf: Any, path: Path, *, progress: Optional[Callable[[int], None]] = None) -> Any:
    """:func:`petition_nlp.pipeline.classify_survey`, its note (a table classify wrote) printed."""
    from petition_nlp.pipeline import classify_survey

    notes: list[str] = []
    result = classify_survey(frame, column, clf, progress=progress, notes=notes, source=path)
    for note in notes:
        _err(f"note: {path}: {note}")
    return result


def _load_model(model_dir: Optional[Path]) -> Any:
    from petition_nlp.model.modelstore import load_model

    return load_model(model_dir)


def _preview(frame: Any, kind: str, column: Optional[str]) -> str:
    """A readable table for the terminal: key columns and the start of each petition."""
    import pandas as pd

    keep = [c for c in ("sheet", "source_row", "item", "rank", "category", "represents", "unit_count", "confidence", "needs_review", "suggested_category", "uncertainty", "score", "label", "label_issue", "current_label", "suggested_label") if c in frame.columns]
    view = frame[keep].copy()
    if column is not None and column in frame.columns:
        view["text"] = frame[column].astype(str).str.replace(r"\s+", " ", regex=True).str.slice(0, 90)
    with pd.option_context("display.max_rows", None, "display.width", 250, "display.max_colwidth", 100):
        return view.to_string(index=kind != "shortlist")


def _write_or_print(
    frame: Any, output: Optional[Path], inputs: list[Path], overwrite: bool, kind: str, column: Optional[str] = None,
    formula_guard: bool = True,
) -> None:
    from petition_nlp.files.io import write_table

    if output is None:
        typer.echo(_preview(frame, kind, column) if len(frame) else f"(no rows: nothing to show for {kind})")
        return
    writer = None
    if output.suffix.lower() == ".xlsx":
        from petition_nlp.reports.workbook import workbook_writer

        writer = workbook_writer(kind)
    write_table(frame, output, overwrite=overwrite, protect=inputs, xlsx_writer=writer, formula_guard=formula_guard)
    _err(f"wrote {len(frame)} rows to {output}")


def _rows_apart(counts: dict[str, int]) -> str:
    """The ' (37 rows: 6 not petitions, 1 empty)' of a count line (:func:`line_counts`); empty when
    every row is a petition."""
    apart = [f"{counts[s]} {label}" for s, label in (("not_a_petition", "not petitions"), ("empty", "empty")) if counts.get(s)]
    return f" ({counts['rows']} rows: {', '.join(apart)})" if apart else ""


def _summary(frame: Any) -> None:
    """Per-category counts of petitions; lines that are not petitions counted apart."""
    from petition_nlp.reports.summary import category_summary, line_counts, petition_rows

    table = category_summary(frame)
    _err("category             count   share")
    for _, row in table.iterrows():
        _err(f"{row['category'] or '(not classified)':<20} {row['count']:>5}  {row['share']:>6.1%}")
    counts = line_counts(frame)
    petitions = frame[petition_rows(frame).to_numpy(dtype=bool)]
    review = int(petitions["needs_review"].astype(bool).sum())
    bad = int((petitions["status"] != "ok").sum())
    _err(f"total {counts['petitions']} petitions{_rows_apart(counts)}; {review} need review; {bad} could not be processed")
    if bad:
        for status, n in petitions.loc[petitions["status"] != "ok", "status"].astype(str).value_counts().items():
            _err(f"  status {status}: {n}")


InputArg = Annotated[
    Path,
    typer.Argument(
        help="Survey export: .csv, .xlsx, .xlsm, .xls, .ods (every sheet with a petition table; title lines, merged "
        "cells and two-row headers are handled), .docx or text .pdf (tables, numbered or bulleted paragraphs), "
        ".tsv, .jsonl, or .txt (one petition per line, or a tab-separated table as Excel saves one)."
    ),
]
OutputOpt = Annotated[Optional[Path], typer.Option("-o", "--output", help="Write .csv, .xlsx or .jsonl (default: print).")]
TextColOpt = Annotated[Optional[str], typer.Option("--text-column", help="Column with the petition text (detected if omitted).")]
ModelOpt = Annotated[
    Optional[Path],
    typer.Option("--model", help="Model directory (default: the default model of the models folder, else the bundled one; see `petition-nlp models`)."),
]


def _set_models_dir(ctx: typer.Context, value: Optional[Path]) -> Optional[Path]:
    """``--models-dir``: same as PETITION_NLP_MODELS for this command (restored when it ends)."""
    if value is not None and not ctx.resilient_parsing:
        was = os.environ.get("PETITION_NLP_MODELS")
        os.environ["PETITION_NLP_MODELS"] = str(value)

        def restore() -> None:
            if was is None:
                os.environ.pop("PETITION_NLP_MODELS", None)
            else:
                os.environ["PETITION_NLP_MODELS"] = was

        ctx.call_on_close(restore)
    return value


ModelsDirOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--models-dir", callback=_set_models_dir, expose_value=False, envvar=None,
        help="Models folder: where trained and promoted models are written and the default is read "
        "(default: PETITION_NLP_MODELS, else models/ in a checkout, else the user data folder).",
    ),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Allow -o to replace the input file.")]
FormulaGuardOpt = Annotated[
    bool,
    typer.Option(
        "--formula-guard/--no-formula-guard",
        help="In .csv output, put ' before cells starting with = + - @ (so a spreadsheet shows them as text; "
        "petition-nlp's readers remove it). --no-formula-guard writes them raw.",
    ),
]
HeaderOpt = Annotated[
    Optional[int],
    typer.Option("--header-row", help="Header row as Excel numbers it (CSV: the line), for .csv/.xlsx/.xls/.ods; found by its content if omitted."),
]
SheetOpt = Annotated[
    Optional[str], typer.Option("--sheet", help="Read only this sheet of a workbook (name or number from 1); default: every sheet holding petitions.")
]
SplitOpt = Annotated[
    bool,
    typer.Option("--split-items", help="A cell holding several numbered petitions ('1. ...' '2. ...' on separate lines) gives one row each (columns source_row, item)."),
]


def _header_index(header_row: Optional[int]) -> Optional[int]:
    """``--header-row`` goes to the reader as given: 1-based, as Excel numbers rows."""
    return header_row


@app.command()
def classify(
    input: InputArg,
    output: OutputOpt = None,
    text_column: TextColOpt = None,
    model: ModelOpt = None,
    models_dir: ModelsDirOpt = None,
    overwrite: OverwriteOpt = False,
    header_row: HeaderOpt = None,
    formula_guard: FormulaGuardOpt = True,
    sheet: SheetOpt = None,
    split_items: SplitOpt = False,
) -> None:
    """Assign a category to every petition; prints a per-category summary."""
    from petition_nlp.model.batch import STREAM_OUTPUTS, classify_file

    with _handled():
        clf = _load_model(model)
        if output is not None and output.suffix.lower() in STREAM_OUTPUTS:
            # stream: bounded memory whatever the input size
            with _progress(0, "classifying") as tick:
                result, info = classify_file(
                    input, output, model=clf, text_column=text_column, overwrite=overwrite, progress=tick,
                    formula_guard=formula_guard, header_row=header_row, sheet=sheet, split_items=split_items,
                )
            _notes(input, info)
            _err(f"wrote {len(result)} rows to {output}")
        else:
            frame, info = _read(input, _header_index(header_row), sheet=sheet, split_items=split_items, text_column=text_column)
            column = _text_column(frame, text_column, input, info)
            with _progress(len(frame), "classifying") as tick:
                result = _classified(frame, column, clf, input, progress=tick)
            _write_or_print(result, output, [input], overwrite, "classify", column, formula_guard)
        _summary(result)


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled file (.csv/.xlsx/.jsonl) with text and label columns.")],
    model: ModelOpt = None,
    models_dir: ModelsDirOpt = None,
    text_column: TextColOpt = None,
    label_column: Annotated[Optional[str], typer.Option("--label-column", help="Column with the gold code.")] = None,
    sheet: SheetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Accuracy, macro / weighted F1, per-code scores and the confusion matrix."""
    from petition_nlp.model.training import evaluate_file

    with _handled():
        metrics = evaluate_file(file, model_dir=model, text_column=text_column, label_column=label_column, sheet=sheet)
        if as_json:
            typer.echo(json.dumps(metrics, ensure_ascii=False))
            return
        typer.echo(f"rows {metrics['rows']}  accuracy {metrics['accuracy']:.3f}  macro-F1 {metrics['macro_f1']:.3f}  weighted-F1 {metrics['weighted_f1']:.3f}")
        out = metrics.get("left_out", {})
        parts = [f"{n} {why}" for why, n in (("without a text or a label", out.get("no_text_or_label")), ("duplicates", out.get("duplicates")),
                 ("texts with conflicting labels", out.get("conflicting_texts"))) if n]
        if parts:
            _err(f"note: left out of the scores: {', '.join(parts)}")
        typer.echo(f"{'code':<20}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for code, m in metrics["per_class"].items():
            typer.echo(f"{code:<20}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9}")
        labels = metrics["confusion_matrix"]["labels"]
        typer.echo("confusion matrix (rows: gold, columns: predicted)")
        typer.echo(" " * 20 + "".join(f"{c[:8]:>9}" for c in labels))
        for code, row in zip(labels, metrics["confusion_matrix"]["matrix"]):
            typer.echo(f"{code:<20}" + "".join(f"{v:>9}" for v in row))
        typer.echo("risk-coverage (least confident rows reviewed): " + ", ".join(
            f"{r['review_share']:.0%} -> accuracy {r['accuracy_not_reviewed']:.3f}" for r in metrics["risk_coverage"] if r["accuracy_not_reviewed"] is not None))
        rv, st = metrics["review"], metrics["second_topic"]
        typer.echo(f"needs_review at threshold {rv['threshold']:.3f}: {rv['rate']:.1%} of rows; accuracy of the others {rv['accuracy_not_reviewed'] or 0:.3f}")
        typer.echo(f"second_category on {st['rate']:.1%} of rows; wrong predictions {st['errors']}: flagged or right second topic {st['errors_flagged_or_second_right'] or 0:.1%}; not_a_petition {metrics['not_a_petition']['rows']} rows")


@app.command()
def train(
    files: Annotated[Optional[list[Path]], typer.Argument(help="Extra labelled files (.csv/.xlsx/.jsonl).")] = None,
    only: Annotated[bool, typer.Option("--only", help="Train on the given files alone, not on data/labeled/petitions*.csv.")] = False,
    text_column: TextColOpt = None,
    label_column: Annotated[Optional[str], typer.Option("--label-column", help="Column with the code (detected if omitted).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", help="Model directory to write (default <models folder>/<timestamp>/; see --models-dir).")] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Make it the default model if not worse on the test split.")] = False,
    test: Annotated[Optional[Path], typer.Option("--test", help="Test file for --promote (default data/labeled/test.csv in a checkout).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Promote even if worse.")] = False,
    models_dir: ModelsDirOpt = None,
    neural_weight: Annotated[float, typer.Option("--neural-weight", min=0.0, max=1.0, help="Average the linear model with a BiLSTM trained from scratch, with this weight (e.g. 0.4; needs the [neural] extra). 0: linear only.")] = 0.0,
    min_f1: Annotated[float, typer.Option("--min-f1", min=0.0, max=1.0, help="--promote refuses a model with a code whose cross-validated F1 is below this.")] = 0.7,
    min_examples: Annotated[int, typer.Option("--min-examples", min=2, help="--promote refuses a model with a code having fewer training rows than this.")] = 25,
    store: Annotated[Optional[Path], typer.Option("--store", help="Also train on every topic officers set or confirmed in this workspace (the folder of `serve --data`); corrections outweigh the training rows they contradict. Reports the candidate beside the current model on the sealed test splits.")] = None,
    sheet: SheetOpt = None,
) -> None:
    """Train a model with cross-validation and write a versioned model directory.

    A table `classify` wrote (.xlsx / .csv) gives only the rows an officer ticked 'Đã kiểm tra'
    or whose topic was changed (in 'Mã chủ đề' or 'Chủ đề'); the other rows are the model's own
    guesses and are left out."""
    from petition_nlp.model.training import promote_if_better, train_model

    with _handled():
        from tqdm import tqdm

        from petition_nlp.store import open_workspace

        workspace = open_workspace(store) if store is not None else None

        with tqdm(total=1, desc="training (cross-validation + final fit)", file=sys.stderr, disable=None, leave=False) as bar:
            with warnings.catch_warnings():  # reported below in one line of our own
                warnings.simplefilter("ignore", UserWarning)
                _, target, report = train_model(
                    files or [], only=only, text_column=text_column, label_column=label_column, output=output,
                    params={"neural_weight": neural_weight} if neural_weight else None, store=workspace, sheet=sheet,
                )
            bar.update(1)
        v = report["validation"]
        _err(
            f"rows used {v['rows_used']} of {v['rows_read']}: {v['skipped_empty']} empty skipped, "
            f"{v['duplicates_dropped']} duplicates dropped, {v['conflicting_texts']} texts with conflicting labels left out"
        )
        for c in v["conflicts"][:10]:
            _err(f"  conflicting labels {c['labels']}: {c['text'][:80]}")
        _report_corrections(v)
        if v["unknown_codes"]:
            _err(f"warning: new codes not in the taxonomy: {', '.join(v['unknown_codes'])}")
        cv = report["cv"]
        typer.echo(f"cross-validated macro-F1 {cv['macro_f1']:.3f} ({cv['folds']} folds{', grouped by provenance: ' + str(cv['groups']) + ' groups' if cv.get('grouping') == 'groups' else ''}), weighted-F1 {cv['weighted_f1']:.3f}")
        if cv.get("random_folds"):
            rf = cv["random_folds"]
            typer.echo(f"  random row folds (for comparison): macro-F1 {rf['macro_f1']:.3f}; review rate {rf['review_rate']:.1%} vs {cv['review_rate']:.1%} grouped")
        if report.get("grouping_note"):
            _err(f"note: {report['grouping_note']}")
        if len(cv.get("macro_f1_by_use_idf", {})) > 1:
            tried = ", ".join(f"IDF {'on' if k == 'true' else 'off'} {v:.3f}" for k, v in cv["macro_f1_by_use_idf"].items())
            typer.echo(f"  term weighting chosen by cross-validation: {tried}")
        if cv.get("neural_weight"):
            typer.echo(f"  ensemble: linear x {1 - cv['neural_weight']:g} + BiLSTM x {cv['neural_weight']:g} (scores above are the ensemble's)")
        for code, f1 in cv["per_class_f1"].items():
            typer.echo(f"  {code:<20} F1 {f1:.3f}")
        typer.echo(f"review threshold {report['review_threshold']:.3f} (flags {cv['review_rate']:.1%}); second topic from {report['second_threshold']:.3f} (on {cv['second_rate']:.1%}); time {report['seconds']['total']:.1f} s")
        typer.echo(f"model written to {target}")
        if store is not None:
            from petition_nlp.model.training import compare_on_tests

            _err(f"workspace {store}: {v['store']['labels']} officer-confirmed labels")
            for row in compare_on_tests(target):
                current = "-" if row["current_macro_f1"] is None else f"{row['current_macro_f1']:.3f}"
                typer.echo(f"  {row['test_file']:<18} ({row['rows']} rows) macro-F1: candidate {row['candidate_macro_f1']:.3f}, current model {current}")
        if promote:
            result = promote_if_better(target, test_file=test, force=force, min_f1=min_f1, min_examples=min_examples)
            if result["promoted"]:
                typer.echo(f"promoted to default (test macro-F1 {result['candidate_macro_f1']:.3f})")
            else:
                _err(f"not promoted: {result['reason']}")
                raise typer.Exit(1)


def _report_corrections(validation: dict[str, Any]) -> None:
    """What `train` took from tables `classify` wrote, and what it left out."""
    for c in validation.get("corrections", []):
        used = c["changed"] + c["reviewed"]
        _err(
            f"{c['file']}: {used} rows used as labels ({c['changed']} changed by an officer, {c['reviewed']} ticked "
            f"'Đã kiểm tra' unchanged); {c['unchecked_left_out']} unchecked rows left out (the model's own guesses)"
        )
        for k in c["conflicts"][:20]:
            _err(f"  conflict, row {k['row']} left out: 'Mã chủ đề' says {k['code']} but 'Chủ đề' says {k['name']}: {k['text'][:60]}")
        for k in c["unknown_names"][:20]:
            _err(f"  row {k['row']} left out: 'Chủ đề' '{k['name']}' is not a known topic; write the code in 'Mã chủ đề': {k['text'][:60]}")
        if not used:
            _err(f"warning: {c['file']}: no row was reviewed or changed; tick 'Đã kiểm tra' on the rows you checked")
    if validation.get("overridden_by_corrections"):
        _err(f"{validation['overridden_by_corrections']} training rows contradicted by an officer's correction left out (the correction kept)")


@app.command()
def shortlist(
    input: InputArg,
    n: Annotated[int, typer.Option("-n", min=1, help="Number of questions to shortlist.")] = 15,
    output: OutputOpt = None,
    text_column: TextColOpt = None,
    quota: Annotated[str, typer.Option("--quota", help="proportional | equal | code=N,code=N,...")] = "proportional",
    exclude: Annotated[str, typer.Option("--exclude", help="Comma-separated codes never shortlisted, e.g. other.")] = "",
    groups_output: Annotated[Optional[Path], typer.Option("--groups-output", help="Also write every row with its category and group_id.")] = None,
    model: ModelOpt = None,
    models_dir: ModelsDirOpt = None,
    overwrite: OverwriteOpt = False,
    header_row: HeaderOpt = None,
    print_table: Annotated[bool, typer.Option("--print", help="Also print the shortlist when writing -o.")] = False,
    formula_guard: FormulaGuardOpt = True,
    sheet: SheetOpt = None,
    split_items: SplitOpt = False,
) -> None:
    """Group petitions raising the same issue and choose N representative questions."""
    from petition_nlp.grouping.shortlist import parse_quota
    from petition_nlp.pipeline import group_and_shortlist

    with _handled():
        quota_value = parse_quota(quota)
        if output is not None and groups_output is not None and output.resolve() == groups_output.resolve():
            from petition_nlp.files.io import InputError

            raise InputError(f"-o and --groups-output name the same file ({output}): give each its own name")
        frame, info = _read(input, _header_index(header_row), sheet=sheet, split_items=split_items, text_column=text_column)
        column = _text_column(frame, text_column, input, info)
        clf = _load_model(model)
        excluded = _excluded_codes(exclude, clf)
        with _progress(len(frame), "classifying") as tick:
            classified = _classified(frame, column, clf, input, progress=tick)
        groups, chosen = group_and_shortlist(classified, column, n=n, quota=quota_value, exclude=excluded)
        if groups_output is not None:
            _write_or_print(groups, groups_output, [input], overwrite, "classify", column, formula_guard)
        _write_or_print(chosen, output, [input], overwrite, "shortlist", column, formula_guard)
        if output is not None and print_table:
            for _, row in chosen.iterrows():
                units = f", {row['unit_count']} đơn vị" if "unit_count" in chosen.columns else ""
                typer.echo(f"{row['rank']:>3}. [{row['category']}] ({row['represents']} kiến nghị{units}) {str(row[column])[:160]}")
        from petition_nlp.reports.summary import line_counts, petition_rows

        counts = line_counts(groups)
        bad = int((groups[petition_rows(groups).to_numpy(dtype=bool)]["status"] != "ok").sum())
        _err(
            f"{len(chosen)} questions from {counts['petitions']} petitions{_rows_apart(counts)}"
            + f" in {groups.loc[groups['group_id'] != '', 'group_id'].nunique()} issue groups"
            + (f"; {bad} could not be processed" if bad else "")
        )


@app.command()
def suggest(
    input: InputArg,
    n: Annotated[int, typer.Option("-n", min=1, help="How many petitions to pick.")] = 50,
    output: OutputOpt = None,
    text_column: TextColOpt = None,
    model: ModelOpt = None,
    models_dir: ModelsDirOpt = None,
    overwrite: OverwriteOpt = False,
    formula_guard: FormulaGuardOpt = True,
    header_row: HeaderOpt = None,
    sheet: SheetOpt = None,
    split_items: SplitOpt = False,
    category: Annotated[Optional[str], typer.Option("--category", help="Collect examples of this code: the petitions most likely of it (a code the model does not know yet: most like the rows of the file already labelled with it).")] = None,
) -> None:
    """Pick unlabelled petitions worth labelling next (uncertain and diverse), or with --category the likeliest examples of one code."""
    from petition_nlp.grouping.active import suggest_for_labelling

    with _handled():
        frame, info = _read(input, _header_index(header_row), sheet=sheet, split_items=split_items, text_column=text_column)
        column = _text_column(frame, text_column, input, info)
        picked = suggest_for_labelling(frame, n, model=_load_model(model), text_column=column, category=category)
        _write_or_print(picked, output, [input], overwrite, "suggest", column, formula_guard)
        _err(f"{len(picked)} petitions to label: fill the 'label' column and pass the file to 'petition-nlp train'")


@app.command("check-labels")
def check_labels(
    file: Annotated[Path, typer.Argument(help="Labelled file (.csv/.xlsx/.jsonl).")],
    output: OutputOpt = None,
    text_column: TextColOpt = None,
    label_column: Annotated[Optional[str], typer.Option("--label-column", help="Column with the code.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Output every row, not only the flagged ones.")] = False,
    sheet: SheetOpt = None,
    formula_guard: FormulaGuardOpt = True,
) -> None:
    """Flag labelled rows whose label looks wrong (cross-validated confident disagreement)."""
    from petition_nlp.grouping.active import find_label_issues
    from petition_nlp.model.training import read_labeled

    with _handled():
        frame, tcol, lcol = read_labeled(file, text_column=text_column, label_column=label_column, sheet=sheet)
        found = find_label_issues(frame[tcol].tolist(), frame[lcol].tolist())
        result = frame.copy()
        result["label_issue"] = found["label_issue"].to_numpy()
        result["current_label"] = frame[lcol].to_numpy()  # beside the suggestion, whatever the label column is called
        for col in ("suggested_label", "suggested_confidence", "label_quality"):
            result[col] = found[col].to_numpy()
        flagged = result if show_all else result[result["label_issue"]]
        _write_or_print(flagged, output, [file], False, "check", tcol, formula_guard)
        _err(f"{int(result['label_issue'].sum())} of {len(result)} rows flagged as likely labelling mistakes")


@app.command()
def report(
    input: InputArg,
    n: Annotated[int, typer.Option("-n", min=1, help="Number of questions to shortlist.")] = 15,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("report.html"),
    text_column: TextColOpt = None,
    quota: Annotated[str, typer.Option("--quota", help="proportional | equal | code=N,...")] = "proportional",
    exclude: Annotated[str, typer.Option("--exclude", help="Comma-separated codes never shortlisted.")] = "",
    model: ModelOpt = None,
    models_dir: ModelsDirOpt = None,
    overwrite: OverwriteOpt = False,
    header_row: HeaderOpt = None,
    sheet: SheetOpt = None,
    split_items: SplitOpt = False,
) -> None:
    """Write a self-contained HTML session report (Vietnamese) with charts and the shortlist."""
    from petition_nlp.grouping.shortlist import parse_quota
    from petition_nlp.pipeline import group_and_shortlist, render_report
    from petition_nlp.reports.html import check_html_name, write_html

    with _handled():
        check_html_name(output)
        quota_value = parse_quota(quota)
        frame, info = _read(input, _header_index(header_row), sheet=sheet, split_items=split_items, text_column=text_column)
        column = _text_column(frame, text_column, input, info)
        clf = _load_model(model)
        excluded = _excluded_codes(exclude, clf)
        classified = _classified(frame, column, clf, input)
        groups, chosen = group_and_shortlist(classified, column, n=n, quota=quota_value, exclude=excluded)
        write_html(render_report(groups, chosen, column, title_source=input.name), output, protect=[input], overwrite=overwrite)
        _err(f"wrote report to {output}")


@app.command()
def rollback(models_dir: ModelsDirOpt = None) -> None:
    """Restore the previous default model (a second rollback undoes the first)."""
    from petition_nlp.model.modelstore import models_root, rollback_model

    with _handled():
        path = rollback_model()
        if path.parent.resolve() == models_root().resolve():
            typer.echo(f"default model restored from previous: {path}")
        else:
            typer.echo(f"default model is the bundled one again: {path} (the promoted model kept as {models_root() / 'previous'})")


models_app = typer.Typer(help="The models petition-nlp sees: `petition-nlp models` lists them.", no_args_is_help=False)
app.add_typer(models_app, name="models")


@models_app.callback(invoke_without_command=True)
def models(
    ctx: typer.Context,
    models_dir: ModelsDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON list.")] = False,
) -> None:
    """List the models: name, created, training rows, cross-validated and sealed-test macro-F1, which is default, where it lives."""
    if ctx.invoked_subcommand is None:
        _list_models(as_json)


@models_app.command("list")
def models_list(
    models_dir: ModelsDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON list.")] = False,
) -> None:
    """Same as `petition-nlp models`."""
    _list_models(as_json)


def _list_models(as_json: bool) -> None:
    from petition_nlp.model.modelstore import list_models, models_root

    with _handled():
        entries = list_models()
        if as_json:
            typer.echo(json.dumps(entries, ensure_ascii=False))
            return
        root = models_root()
        typer.echo(f"models folder: {root}{'' if root.is_dir() else ' (not created yet)'}")
        typer.echo(f"  {'name':<18}{'created':<22}{'rows':>6}{'CV F1':>8}  {'test macro-F1':<24}{'model':<10}where")
        for e in entries:
            tests = ", ".join(f"{k} {v:.3f}" for k, v in e["tests"].items()) or "-"
            created = (e["created"] or "-").replace("T", " ")[:19]
            rows = e["rows"] if e["rows"] is not None else "-"
            cv = f"{e['cv_macro_f1']:.3f}" if isinstance(e["cv_macro_f1"], (int, float)) else "-"
            mark = "*" if e["default"] else " "
            if e["error"]:
                typer.echo(f"{mark} {e['name']:<18}unreadable: {e['error']}")
                continue
            typer.echo(f"{mark} {e['name']:<18}{created:<22}{rows:>6}{cv:>8}  {tests:<24}{(e['sha256'] or '-')[:8]:<10}{e['path']}  [{e['location']}]")
        if not any(e["default"] for e in entries):
            typer.echo("no default model: train one with `petition-nlp train --promote`")
        else:
            typer.echo("* the default (used when no --model is given); same 'model' hash = same model")


from petition_nlp.web.commands import register as _register_workspace  # noqa: E402 - serve, qa

_register_workspace(app, _handled)


def _one_line_warning(message, category, filename, lineno, line=None) -> str:  # noqa: ANN001
    return f"warning: {message}\n"


def main() -> None:  # console-script entry point
    warnings.formatwarning = _one_line_warning
    # Start-up imports make ~10^5 long-lived objects for the cyclic GC to track, and no garbage,
    # so it is off until a command starts its work (_handled). At exit, freezing what is still
    # alive (the model, the segmenter) spares the interpreter's last traversal of it. Together
    # ~0.5 s of a 2 s `classify` on one petition (benchmarks/run.py --only cold).
    gc.disable()
    try:
        app()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
