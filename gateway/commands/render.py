"""`ordofax render`: check messages offline and write the locked PDFs the gateway would relay.

For prescribers and IT staff to see exactly what a pharmacy or the archives will receive, without sending
anything. Each accepted message gets a folder named after its job reference (so two messages with the same
file number never overwrite each other) holding the form under the name the guide asks for. A rejected
message gets no document: its findings are printed instead, as `check` would.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from gateway.config import load_config
from gateway.errors import MessageUnreadable, RenderError
from gateway.models import CheckResult
from gateway.pipeline import CheckContext, check_bytes
from gateway.render import RenderedDocument, job_ref_for, render_documents

HELP = "render accepted messages as the locked PDF forms (AH-251 / AH-253) they would be relayed as"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="configuration file (TOML)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the PDFs into")
    parser.add_argument("--json", action="store_true", help="one JSON object per message, one per line")
    parser.add_argument("--preview", action="store_true", help="also write PNG pages (needs pdftoppm)")
    parser.add_argument("messages", nargs="+", type=Path, metavar="MESSAGE.eml")


def _write(docs: list[RenderedDocument], folder: Path) -> list[dict[str, object]]:
    folder.mkdir(parents=True, exist_ok=True)
    outputs: list[dict[str, object]] = []
    for doc in docs:
        path = folder / doc.filename
        if not path.exists() or path.read_bytes() != doc.data:
            path.write_bytes(doc.data)
        outputs.append(
            {
                "path": str(path),
                "pages": doc.pages,
                "purpose": doc.purpose,
                "form": doc.form.value if doc.form else None,
            }
        )
    return outputs


def _preview(paths: set[str]) -> str | None:
    """PNG pages beside each PDF; a note instead when pdftoppm is not installed."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return "preview skipped: pdftoppm (poppler-utils) is not installed"
    for path in sorted(paths):
        done = subprocess.run([tool, "-png", "-r", "100", path, path.removesuffix(".pdf")], check=False)
        if done.returncode != 0:
            return f"preview failed for {Path(path).name}: pdftoppm exit status {done.returncode}"
    return None


def _print_text(result: CheckResult, outputs: list[dict[str, object]]) -> None:
    print(f"{result.file}: {result.verdict}")
    for out in outputs:
        print(f"  {out['purpose']}: {out['path']} ({out['pages']} page(s))")
    for f in result.findings:
        print(f"  {f.severity.value} {f.code}: {f.message_fr}")


def _one(path: Path, ctx: CheckContext, args: argparse.Namespace) -> bool:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MessageUnreadable(f"{path}: cannot read ({exc.__class__.__name__})") from None
    result = check_bytes(raw, ctx, file=str(path))
    outputs: list[dict[str, object]] = []
    if result.accepted:
        ref = job_ref_for(result.message.message_id, raw)
        outputs = _write(render_documents(result, ctx.config, ref), args.out / ref)
        if args.preview:
            note = _preview({str(o["path"]) for o in outputs})
            if note:
                print(note, file=sys.stderr)
    if args.json:
        record: dict[str, object] = {"file": result.file, "verdict": result.verdict, "outputs": outputs}
        if not result.accepted:
            record["findings"] = [f.code for f in result.findings]
        print(json.dumps(record, ensure_ascii=False))
    else:
        _print_text(result, outputs)
    return result.accepted


def run(args: argparse.Namespace) -> int:
    ctx = CheckContext.from_config(load_config(args.config))
    status = 0
    for path in args.messages:
        try:
            if not _one(path, ctx, args):
                status = 1
        except (MessageUnreadable, RenderError) as exc:
            print(f"ordofax render: {exc}", file=sys.stderr)
            status = 1
    return status
