"""axe-core in the page under test, and the failure message a developer needs."""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def violations_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {' '.join(map(str, node['target']))}")
            lines.append(f"    {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.extend(f"    {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)


def _govuk_conditional_reveal(violation: dict, node: dict) -> bool:
    """GOV.UK Frontend's conditional reveal puts aria-expanded on a radio or checkbox that
    controls revealed fields. axe calls it not allowed for that role; the Design System keeps
    it on purpose, because screen readers announce it (alphagov/govuk-frontend#979, a known
    issue). Only exactly that is let through: nothing else on the element, nothing else."""
    html = node.get("html", "")
    summary = node.get("failureSummary", "")
    failures = [line.strip() for line in summary.splitlines()[1:] if line.strip()]
    return (
        violation["id"] == "aria-allowed-attr"
        and ("govuk-radios__input" in html or "govuk-checkboxes__input" in html)
        and 'aria-controls="conditional-' in html
        and bool(failures)
        and all(
            line.startswith("ARIA attribute is not allowed: aria-expanded=") for line in failures
        )
    )


def _real_violations(violations: list[dict]) -> list[dict]:
    real = []
    for violation in violations:
        nodes = [n for n in violation["nodes"] if not _govuk_conditional_reveal(violation, n)]
        if nodes:
            real.append({**violation, "nodes": nodes})
    return real


def assert_accessible(page) -> None:
    """Run every axe-core rule that is on by default (WCAG 2.x A/AA and best practices)
    against the page as rendered, and fail with each violation's rule and elements."""
    results = _AXE.run(page)
    violations = _real_violations(results.response["violations"])
    where = f"{page.url} ({page.title()})"
    assert not violations, f"axe found {len(violations)} problem(s) on {where}:\n" + (
        violations_report(violations)
    )
