"""Human-readable rendering of a verdict, for `ordofax check` without --json (French first, English below)."""

from __future__ import annotations

from gateway.models import CheckResult, Severity

_MARK = {Severity.ERROR: "✗ erreur", Severity.WARNING: "! avertissement", Severity.INFO: "· info"}
_VERDICT = {"accepted": "ACCEPTÉ / accepted", "rejected": "REFUSÉ / rejected"}


def text_report(result: CheckResult) -> str:
    lines = [f"{result.file}: {_VERDICT[result.verdict]}"]
    form = result.form.value if result.form else "—"
    route = result.route.value if result.route else "—"
    lines.append(f"  document: {result.document.value}   route: {route}   formulaire: {form}")
    if result.destination.address:
        entry = result.destination.directory_entry
        where = f" ({entry.name}, {entry.kind})" if entry else ""
        lines.append(f"  destinataire: {result.destination.address}{where}")
    for finding in result.findings:
        lines.append(f"  {_MARK[finding.severity]} [{finding.code}] {finding.message_fr}")
        lines.append(f"      {finding.message_en}")
    return "\n".join(lines)
