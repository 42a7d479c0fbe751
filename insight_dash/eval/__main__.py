"""Score the analysis engine on questions with known answers.

    python -m insight_dash.eval [--set sensors --set budget ...] [--out DIR]
    python -m insight_dash.eval --file budget.xlsx --questions my_questions.json

The shipped sets (insight_dash/eval/sets/) ask about generated datasets; --file and
--questions ask your own file (the question format is in insight_dash/eval/gold.py). The
engine is the one the environment configures: the offline engine when INSIGHT_LLM_MODEL is
unset, Bedrock or any litellm model when it is set. Writes report.md and report.json.
Exit status 0 when the spec's bar is met on every set (success rate >= 70%, median latency
< 30 s, peak memory < 4 GB), 1 when not, 2 for unusable input.
"""
import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from insight_dash import sandbox  # noqa: F401  (package import sets the no-telemetry variables first)
from insight_dash.eval.gold import QuestionFileError
from insight_dash.eval.harness import SHIPPED_SETS, run_file, run_set
from insight_dash.eval.report import as_json, markdown
from insight_dash.sandbox.client import ensure_zygote, stop_zygote
from insight_dash.services.inspection import UploadRefused
from insight_dash.settings import Settings, SettingsError

PASS_SUCCESS, PASS_LATENCY_S, PASS_MEMORY_MIB = 0.7, 30, 4096
DEFAULT_SETS = ["sensors", "budget"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_dash.eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", dest="sets", choices=SHIPPED_SETS, help="a shipped set (repeatable)")
    parser.add_argument("--file", type=Path, help="your own CSV or XLSX file")
    parser.add_argument("--questions", type=Path, help="questions with gold answers about --file (JSON)")
    parser.add_argument("--out", type=Path, default=Path("eval-report"))
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "insight-eval",
                        help="where generated datasets are cached")
    args = parser.parse_args(argv)
    if bool(args.file) != bool(args.questions):
        parser.error("--file and --questions go together")
    try:
        configured = Settings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="insight-eval-") as data_dir:
        settings = dataclasses.replace(configured, data_dir=Path(data_dir))  # a zygote of its own
        ensure_zygote(settings)
        try:
            if args.file:
                reports = [run_file(args.file, args.questions, settings, Path(data_dir) / "file")]
            else:
                reports = [run_set(name, settings, args.data / name) for name in (args.sets or DEFAULT_SETS)]
        except (QuestionFileError, UploadRefused, OSError) as exc:
            print(f"Cannot evaluate: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
            return 2
        finally:
            stop_zygote(settings)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(markdown(reports))
    (args.out / "report.json").write_text(as_json(reports))
    print(markdown(reports))
    passed = all(r.summary()["success_rate"] >= PASS_SUCCESS and r.summary()["latency_p50_s"] < PASS_LATENCY_S
                 and r.summary()["peak_rss_mib"] < PASS_MEMORY_MIB for r in reports)
    print(f"Phase 0 bar (success >= 70%, p50 < 30 s, memory < 4 GB): {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
