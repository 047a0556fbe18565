"""The scope (7.2) and the quality-system records: PT rounds (7.7.2), the internal audit
programme (8.8), management reviews (8.9), nonconformities and corrective actions (8.7)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from compliance.audits.models import AuditClause, AuditFinding, AuditMethod, InternalAudit
from compliance.capa.models import CorrectiveAction, Nonconformity
from compliance.clauses.catalogue_iso17025 import CLAUSES, NON_REQUIREMENT_NUMBERS
from compliance.dates import add_months
from compliance.demo.generate.base import HISTORY_YEARS, Context, Site
from compliance.demo.generate.content import METHODS, PT_PROVIDERS
from compliance.proficiency.models import PTEvent
from compliance.reviews.models import ManagementReview, ReviewAction, ReviewInput
from compliance.scope.models import Method
from compliance.signatures.models import Meaning, Signature

REVIEW_INPUTS = "abcdefghijklmno"
AUDITED_CLAUSES = tuple(
    row.number
    for row in CLAUSES
    if row.number not in NON_REQUIREMENT_NUMBERS
    and row.number.count(".") == 1
    and " " not in row.number
)


@dataclass
class SimMethod:
    id: int
    code: str
    title: str
    procedure: object  # SimDocument
    pt_interval: int
    in_scope_since: dt.date


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_methods(ctx: Context, staff, registers) -> dict[int, dict[int, SimMethod]]:
    """Each site's methods, governed by its TM-AS6171-N procedure."""
    methods: dict[int, dict[int, SimMethod]] = {}
    for site in ctx.sites:
        qm = staff.qm[site.index]
        methods[site.index] = {}
        for code, title in METHODS[: ctx.per_site("methods")]:
            slash = int(code.rsplit("/", 1)[-1])
            procedure = registers[site.index][f"TM-AS6171-{slash}"]
            since = ctx.start - dt.timedelta(days=ctx.rng.randint(0, 400))
            created = ctx.stamp(since)
            interval = 24 if slash in (8, 9) else 12
            method_code = site.key(code)
            method_id = ctx.add(
                Method,
                code=method_code,
                title=title,
                technique=title.split(" (")[0],
                procedure_id=procedure.id,
                status="in_scope",
                pt_interval_months=interval,
                notes="",
                created_at=created,
                version=1,
                items_tested="EEE parts: integrated circuits, discretes, passives",
                in_scope_since=since,
                status_reason=None,
            )
            ctx.event(
                created,
                "method.created",
                "method",
                method_code,
                qm,
                {"title": title, "procedure": procedure.number, "pt_interval_months": interval},
            )
            methods[site.index][slash] = SimMethod(
                method_id, method_code, title, procedure, interval, since
            )
    return methods


def create_quality(ctx: Context, staff, methods, blobs) -> None:
    for site in ctx.sites:
        qm = staff.qm[site.index]
        auditor = staff.auditor[site.index]
        if auditor.id == qm.id:  # the auditor never audits their own area
            auditor = (
                staff.logins["internal_auditor"]
                if "internal_auditor" in staff.logins
                else (staff.logins["admin"])
            )
        counter = {"nc": 0}
        _pt_rounds(ctx, site, methods[site.index], qm, blobs, counter)
        _internal_audits(ctx, site, methods[site.index], qm, auditor, counter)
        _management_reviews(ctx, site, qm)
        _other_nonconformities(ctx, site, methods[site.index], qm, counter)


def _other_nonconformities(ctx, site, site_methods, qm, counter) -> None:
    """Nonconformities reported at the bench or from complaints: closed ones over the years and
    one still being worked on."""
    rng = ctx.rng
    method_ids = [m.id for m in site_methods.values()] or [None]
    span = (ctx.day(150) - ctx.start).days
    raised = sorted(ctx.start + dt.timedelta(days=rng.randint(0, span)) for _ in range(3))
    for n, day in enumerate([*raised, ctx.day(rng.randint(10, 60))]):
        source = rng.choice(("staff", "complaint", "oot"))
        _nonconformity(
            ctx,
            site,
            qm,
            source=source,
            source_id=None,
            source_label="",
            raised_on=day,
            clause="7.10",
            method_id=rng.choice(method_ids),
            description="Job released with an incomplete record; the customer was informed."
            if source == "complaint"
            else "Work continued on equipment awaiting verification.",
            counter=counter,
            still_open=n == 3,
        )


def _nc_reference(ctx, site: Site, year: int, counter) -> str:
    counter["nc"] += 1
    return f"NC-{year}-" + (
        f"{counter['nc']:03d}" if site.single else f"{site.code}-{counter['nc']:03d}"
    )


def _nonconformity(
    ctx,
    site,
    qm,
    *,
    source,
    source_id,
    source_label,
    raised_on,
    clause,
    method_id,
    description,
    counter,
    still_open=False,
):
    rng = ctx.rng
    reference = _nc_reference(ctx, site, raised_on.year, counter)
    nc_id = next(ctx._ids[Nonconformity.__tablename__])
    raised_at = ctx.stamp(raised_on)
    ctx.event(
        raised_at,
        "nonconformity.raised",
        "nonconformity",
        reference,
        qm,
        {"source": source, "description": description, "clause_number": clause},
    )
    actions = []
    for n in range(rng.randint(1, 2)):
        if still_open:
            overdue = n == 0 and rng.random() < 0.1
            due = ctx.day(rng.randint(5, 30)) if overdue else ctx.day(-rng.randint(20, 90))
            completed = None
        else:
            due = raised_on + dt.timedelta(days=60)
            completed = min(raised_on + dt.timedelta(days=rng.randint(20, 55)), ctx.day(1))
        actions.append((due, completed))
    closed = not still_open
    signature_id = closed_at = checked_on = None
    if closed:
        checked_on = min(raised_on + dt.timedelta(days=rng.randint(70, 120)), ctx.day(1))
        closed_at = ctx.stamp(checked_on)
        content = _sha(f"{reference} closed")
        signature_id = ctx.add(
            Signature,
            subject_type="nonconformity",
            subject_id=nc_id,
            signer_id=qm.id,
            printed_name=qm.name,
            signer_email=qm.email,
            meaning=Meaning.CLOSED,
            signed_at=closed_at,
            content_sha256=content,
            comment=None,
        )
        ctx.event(
            closed_at,
            "signature.applied",
            "nonconformity",
            reference,
            qm,
            {"meaning": Meaning.CLOSED, "content_sha256": content, "signed_at": closed_at},
        )
        ctx.event(
            closed_at, "nonconformity.closed", "nonconformity", reference, qm, {"status": "closed"}
        )
    ctx.add(
        Nonconformity,
        id=nc_id,
        reference=reference,
        source=source,
        source_id=source_id,
        source_label=source_label,
        raised_on=raised_on,
        raised_by_id=qm.id,
        description=description,
        clause_number=clause,
        method_id=method_id,
        risk=rng.choice(("low", "medium", "medium", "high")),
        immediate_correction="Affected work stopped and reviewed.",
        root_cause="Instruction unclear on the point found; training did not cover it.",
        effectiveness_check="Follow-up audit sample of ten jobs: no recurrence."
        if closed
        else None,
        effectiveness_checked_on=checked_on,
        effectiveness_checked_by_id=qm.id if closed else None,
        is_effective=True if closed else None,
        status="closed" if closed else "open",
        closed_at=closed_at,
        closed_by_id=qm.id if closed else None,
        closure_signature_id=signature_id,
        created_at=raised_at,
        version=1,
    )
    for due, completed in actions:
        action_id = ctx.add(
            CorrectiveAction,
            nonconformity_id=nc_id,
            description="Revise the instruction and retrain the analysts concerned.",
            owner_id=qm.id,
            due_on=due,
            completed_on=completed,
            completion_note="Done; records attached." if completed else None,
            created_at=raised_at,
            created_by_id=qm.id,
        )
        ctx.event(
            raised_at,
            "corrective_action.added",
            "nonconformity",
            reference,
            qm,
            {"action": action_id, "due_on": due},
        )
    return nc_id


def _pt_rounds(ctx, site, site_methods, qm, blobs, counter) -> None:
    rng = ctx.rng
    for method in site_methods.values():
        interval = method.pt_interval
        lapse = rng.random() < 0.03
        latest = (
            add_months(ctx.today, -interval) + dt.timedelta(days=rng.randint(-20, 20))
            if lapse
            else ctx.day(rng.randint(20, interval * 30 - 45))
        )
        days = [latest]
        while add_months(days[-1], -interval) > method.in_scope_since:
            days.append(add_months(days[-1], -interval) + dt.timedelta(days=rng.randint(-15, 15)))
        for day in sorted(days):
            provider, scheme = rng.choice(PT_PROVIDERS)
            z = round(rng.gauss(0, 0.9), 2)
            result = (
                "satisfactory"
                if abs(z) <= 2
                else "questionable"
                if abs(z) < 3
                else "unsatisfactory"
            )
            at = ctx.stamp(day + dt.timedelta(days=rng.randint(10, 30)))
            event_id = next(ctx._ids[PTEvent.__tablename__])
            round_label = f"{day.year}-{rng.randint(1, 4)}"
            nc_id = None
            if result == "unsatisfactory":
                nc_id = _nonconformity(
                    ctx,
                    site,
                    qm,
                    source="pt",
                    source_id=event_id,
                    source_label=f"{provider} {scheme} round {round_label}",
                    raised_on=min(day + dt.timedelta(days=35), ctx.day(1)),
                    clause="7.7.2",
                    method_id=method.id,
                    description=f"Unsatisfactory PT result (z = {z}).",
                    counter=counter,
                )
            ctx.add(
                PTEvent,
                id=event_id,
                method_id=method.id,
                provider=provider,
                scheme=scheme,
                round=round_label,
                performed_on=day,
                result=result,
                z_score=z,
                report_sha256=blobs.report,
                notes="",
                nonconformity_id=nc_id,
                recorded_by_id=qm.id,
                recorded_at=at,
            )
            ctx.event(
                at,
                "pt_event.recorded",
                "method",
                method.code,
                qm,
                {"round": round_label, "performed_on": day, "result": result},
            )


def _internal_audits(ctx, site, site_methods, qm, auditor, counter) -> None:
    """A yearly audit of the whole system at each site, and the next one planned."""
    rng = ctx.rng
    latest = ctx.day(rng.randint(30, 200))
    days = [
        latest - dt.timedelta(days=365 * k + rng.randint(-20, 20)) for k in range(HISTORY_YEARS)
    ]
    days[0] = latest
    for n, day in enumerate(sorted(days), start=1):
        _audit(
            ctx,
            site,
            site_methods,
            qm,
            auditor,
            counter,
            day,
            n,
            completed=True,
            newest=n == len(days),
        )
    _audit(
        ctx,
        site,
        site_methods,
        qm,
        auditor,
        counter,
        max(add_months(latest, 12), ctx.day(-10)),
        len(days) + 1,
        completed=False,
        newest=False,
    )


def _audit(ctx, site, site_methods, qm, auditor, counter, day, n, *, completed, newest) -> None:
    rng = ctx.rng
    reference = f"IA-{day.year}-{n:02d}" + ("" if site.single else f"-{site.code}")
    planned_at = ctx.stamp(min(day, ctx.today) - dt.timedelta(days=60))
    audit_id = ctx.add(
        InternalAudit,
        reference=reference,
        title=f"Annual audit of the management system and scope, {site.name}",
        planned_on=day,
        performed_on=day if completed else None,
        auditor_id=auditor.id,
        auditee_id=qm.id,
        status="completed" if completed else "planned",
        summary="System effective; findings below." if completed else "",
        cancelled_reason=None,
        created_at=planned_at,
        version=1,
    )
    ctx.event(
        planned_at,
        "internal_audit.planned",
        "internal_audit",
        reference,
        qm,
        {"planned_on": day, "auditor": auditor.email},
    )
    for clause in AUDITED_CLAUSES:
        ctx.add(AuditClause, audit_id=audit_id, clause_number=clause)
    for method in site_methods.values():
        ctx.add(AuditMethod, audit_id=audit_id, method_id=method.id)
    if not completed:
        return
    at = ctx.stamp(day)
    kinds = ["observation", "opportunity"] + (["nonconformity"] if rng.random() < 0.6 else [])
    for number, kind in enumerate(kinds, start=1):
        clause = rng.choice(AUDITED_CLAUSES)
        finding_id = next(ctx._ids[AuditFinding.__tablename__])
        nc_id = None
        if kind == "nonconformity":
            nc_id = _nonconformity(
                ctx,
                site,
                qm,
                source="audit",
                source_id=finding_id,
                source_label=f"{reference} finding {number}",
                raised_on=min(day + dt.timedelta(days=2), ctx.day(1)),
                clause=clause,
                method_id=None,
                description=f"Records for clause {clause} incomplete in the sample audited.",
                counter=counter,
                still_open=newest,
            )
        ctx.add(
            AuditFinding,
            id=finding_id,
            audit_id=audit_id,
            number=number,
            kind=kind,
            clause_number=clause,
            description=f"Clause {clause}: {kind} raised during the audit.",
            evidence="Sample of job records and training files reviewed.",
            nonconformity_id=nc_id,
            recorded_by_id=auditor.id,
            recorded_at=at,
        )
        ctx.event(
            at,
            "internal_audit.finding_recorded",
            "internal_audit",
            reference,
            auditor,
            {"finding": number, "kind": kind, "clause_number": clause},
        )
    ctx.event(
        at,
        "internal_audit.completed",
        "internal_audit",
        reference,
        auditor,
        {"status": "completed", "performed_on": day},
    )


def _management_reviews(ctx, site, qm) -> None:
    rng = ctx.rng
    latest = ctx.day(rng.randint(40, 250))
    held = sorted(latest - dt.timedelta(days=365 * k) for k in range(HISTORY_YEARS))
    for index, day in enumerate(held):
        reference = f"MR-{day.year}-{index + 1:02d}" + ("" if site.single else f"-{site.code}")
        period_from = held[index - 1] if index else day - dt.timedelta(days=365)
        final_at = ctx.stamp(day + dt.timedelta(days=7))
        content = _sha(f"{reference} minutes")
        review_id = next(ctx._ids[ManagementReview.__tablename__])
        signature_id = ctx.add(
            Signature,
            subject_type="management_review",
            subject_id=review_id,
            signer_id=qm.id,
            printed_name=qm.name,
            signer_email=qm.email,
            meaning=Meaning.APPROVED,
            signed_at=final_at,
            content_sha256=content,
            comment=None,
        )
        ctx.add(
            ManagementReview,
            id=review_id,
            reference=reference,
            held_on=day,
            period_from=period_from,
            attendees=f"{qm.name}\nLaboratory director\nTechnical lead, {site.name}",
            decisions="Resources for the X-ray replacement approved; audit programme confirmed.",
            status="final",
            finalized_at=final_at,
            finalized_by_id=qm.id,
            signature_id=signature_id,
            created_at=ctx.stamp(day - dt.timedelta(days=14)),
            version=1,
        )
        for key in REVIEW_INPUTS:
            ctx.add(
                ReviewInput,
                review_id=review_id,
                key=key,
                is_covered=True,
                figures="",
                notes="Discussed; see the attached figures.",
            )
        for _ in range(2):
            due = day + dt.timedelta(days=rng.randint(60, 180))
            done = due - dt.timedelta(days=rng.randint(0, 40))
            ctx.add(
                ReviewAction,
                review_id=review_id,
                description="Follow up the decision.",
                owner_id=qm.id,
                due_on=due,
                completed_on=done if done < ctx.today else None,
            )
        ctx.event(
            ctx.stamp(day - dt.timedelta(days=14)),
            "management_review.created",
            "management_review",
            reference,
            qm,
            {"held_on": day},
        )
        ctx.event(
            final_at,
            "signature.applied",
            "management_review",
            reference,
            qm,
            {"meaning": Meaning.APPROVED, "content_sha256": content, "signed_at": final_at},
        )
        ctx.event(
            final_at,
            "management_review.finalized",
            "management_review",
            reference,
            qm,
            {"status": "final"},
        )
