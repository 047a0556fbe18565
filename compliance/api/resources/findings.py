"""GET /api/v1/findings: the gap engine's findings, in the gaps CLI's JSON shape."""

from __future__ import annotations

from compliance.api.core import api_requires, bp, date_arg
from compliance.api.resources.common import (
    DATE,
    STRING,
    date_query,
    json_response,
    nullable,
    obj,
    operation,
    ref,
)
from compliance.gaps.engine import evaluate
from compliance.gaps.findings import Severity
from compliance.permissions import Permission


@bp.get("/findings")
@api_requires(Permission.GAPS_VIEW)
def findings():
    # Evaluation.as_json is the contract `flask gaps --format json` prints; no snapshot is
    # taken here, so reading through the API writes nothing.
    return evaluate(date_arg("as_of")).as_json()


SEVERITIES = [s.value for s in Severity]

SCHEMAS = {
    "Finding": obj(
        {
            "rule": STRING,
            "clause": STRING,
            "severity": {"type": "string", "enum": SEVERITIES},
            "subject": obj({"type": STRING, "key": STRING}),
            "message": STRING,
            "due_on": nullable(DATE),
            "accepted": {"const": True},
            "accepted_reason": nullable(STRING),
        },
        required=["rule", "clause", "severity", "subject", "message", "due_on"],
    ),
    "Findings": obj(
        {
            "as_of": DATE,
            "findings": {"type": "array", "items": ref("Finding")},
            "summary": obj({s: {"type": "integer", "minimum": 0} for s in SEVERITIES}),
        }
    ),
}

PATHS = {
    "/api/v1/findings": {
        "get": operation(
            "listFindings",
            "Every gap an assessor would find as of a date (default today), worst first; "
            "the same JSON as `flask gaps --format json`. Accepted findings stay listed with "
            "accepted: true and do not count in the summary.",
            json_response("The evaluation.", ref("Findings")),
            [date_query("as_of", "Evaluate as of this date (YYYY-MM-DD).")],
        )
    }
}
