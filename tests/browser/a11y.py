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


def assert_accessible(page) -> None:
    """Run every axe-core rule that is on by default (WCAG 2.x A/AA and best practices)
    against the page as rendered, and fail with each violation's rule and elements."""
    results = _AXE.run(page)
    violations = results.response["violations"]
    where = f"{page.url} ({page.title()})"
    assert not violations, f"axe found {len(violations)} problem(s) on {where}:\n" + (
        violations_report(violations)
    )
