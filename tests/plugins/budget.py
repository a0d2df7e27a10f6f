"""Pytest plugin: print the template's resource count (from test_template_budget) at the end of every run.

The test records it as a user property, which xdist carries from the worker back to the controller, so the
line appears once whether the suite ran on one process or several.
"""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        properties = dict(getattr(report, "user_properties", []))
        if "template_resources" in properties and report.when == "call":
            count, by_type = properties["template_resources"], properties["template_resources_by_type"]
            top = ", ".join(f"{n} {kind.split('::')[-1]}" for kind, n in list(by_type.items())[:5])
            terminalreporter.write_line(f"template.yaml after the SAM transform: {count} of CloudFormation's 500 "
                                        f"resources per stack ({top}, ...)")
