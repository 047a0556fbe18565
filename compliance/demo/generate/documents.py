"""Controlled documents (8.3): the register, about six revisions each over the years, their
review and approval signatures, and every reader's acknowledgement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from compliance.dates import add_months
from compliance.demo.generate.base import Context, Site
from compliance.demo.generate.content import (
    CHANGE_SUMMARIES,
    DOCUMENTS,
    JOB_ROLES,
    METHODS,
    DocTemplate,
)
from compliance.documents.models import (
    AcknowledgementTask,
    Document,
    DocumentClause,
    DocumentDistribution,
    Revision,
    searchable,
)
from compliance.signatures.models import Meaning, Signature

ACK_DUE_DAYS = 14
REVIEW_LAPSE_SHARE = 0.02  # documents whose periodic review is overdue or due soon
IN_FLIGHT_SHARE = 0.06  # documents with a new revision in draft or in review
UNREAD_SHARE = 0.04  # readers of a revision effective in the last weeks who have not read it


@dataclass
class SimRevision:
    id: int
    label: str
    state: str
    effective_on: dt.date | None
    superseded_on: dt.date | None = None


@dataclass
class SimDocument:
    id: int
    number: str
    title: str
    template: DocTemplate
    revisions: list[SimRevision] = field(default_factory=list)

    def effective_history(self) -> list[SimRevision]:
        return [r for r in self.revisions if r.effective_on is not None]


def _label(index: int, scheme: str) -> str:
    if scheme == "numbers":
        return str(index + 1)
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _text(document: SimDocument, site: Site, label: str, summary: str) -> str:
    """The revision's text as search sees it: the headings and wording of a real procedure."""
    t = document.template
    method = f"AS6171/{t.method}" if t.method else "the laboratory's activities"
    return "\n".join(
        (
            f"{document.number} {document.title} — Revision {label}",
            f"{site.name} site. Change: {summary}",
            "1 Purpose",
            f"This {t.doc_type.replace('_', ' ')} describes how the laboratory controls "
            f"{document.title.lower()} for {method}, in line with ISO/IEC 17025:2017 clauses "
            f"{', '.join(t.clauses)}.",
            "2 Scope",
            "Applies to every analyst, technician and inspector working on suspect or "
            "counterfeit electronic parts at this site.",
            "3 Responsibilities",
            "The quality manager keeps this document current; supervisors ensure staff are "
            "trained on the current revision before work starts.",
            "4 Procedure",
            "4.1 Confirm the equipment is in service and within its calibration due date.",
            "4.2 Record observations, photographs and measurement results in the job record.",
            "4.3 Escalate any nonconformity to the quality manager the same day.",
            "5 Records",
            "Job records, training records and calibration certificates are retained for ten "
            "years.",
        )
    )


def _effective_dates(ctx: Context, template: DocTemplate, count: int) -> list[dt.date]:
    rng = ctx.rng
    interval_days = int(template.interval * 30.4)
    if rng.random() < REVIEW_LAPSE_SHARE:
        last = add_months(ctx.today, -template.interval) + dt.timedelta(days=rng.randint(-20, 25))
    else:
        last = ctx.day(rng.randint(0, int(interval_days * 0.85)))
    span = max((last - ctx.start).days, 30 * count)
    gap = span / max(1, count - 1)
    dates = [last]
    for _ in range(count - 1):
        dates.append(dates[-1] - dt.timedelta(days=max(20, int(gap * rng.uniform(0.7, 1.3)))))
    return sorted(dates)


def create_documents(ctx: Context, staff, blobs) -> dict[int, dict[str, SimDocument]]:
    """Every site's register; returns {site index: {template number: document}}."""
    registers: dict[int, dict[str, SimDocument]] = {}
    for site in ctx.sites:
        people = staff.of_site(site)
        users = [p for p in people if p.login]
        qm = staff.qm[site.index]
        slashes = [int(code.rsplit("/", 1)[-1]) for code, _ in METHODS[: ctx.per_site("methods")]]
        ordered = [t for t in DOCUMENTS if t.doc_type == "test_method" and t.method in slashes]
        ordered += [t for t in DOCUMENTS if t not in ordered]
        register = registers[site.index] = {}
        for template in ordered[: ctx.per_site("documents")]:
            register[template.number] = _document(ctx, site, template, users, qm, staff, blobs)
    return registers


def _audiences(site: Site, template: DocTemplate) -> list[str]:
    roles = list(JOB_ROLES)
    if template.technical and template.method:
        roles = [r for r, (_, slashes, _) in JOB_ROLES.items() if template.method in slashes]
    return sorted(f"job_role:{site.label(r)}" for r in roles or JOB_ROLES)


def _document(ctx: Context, site: Site, template: DocTemplate, users, qm, staff, blobs):
    rng = ctx.rng
    count = rng.randint(4, 8)
    dates = _effective_dates(ctx, template, count)
    scheme = "numbers" if template.doc_type == "form" else "letters"
    created = ctx.stamp(dates[0] - dt.timedelta(days=30))
    number = site.key(template.number)
    audiences = _audiences(site, template)
    reader_roles = {a.split(":", 1)[1] for a in audiences}
    last_reviewed = None
    if rng.random() < 0.1:  # "reviewed, no change needed" since the last revision
        last_reviewed = min(ctx.day(rng.randint(5, 200)), ctx.today)
        last_reviewed = max(last_reviewed, dates[-1])
    doc_id = ctx.add(
        Document,
        number=number,
        title=template.title,
        doc_type=template.doc_type,
        owner_id=qm.id,
        review_interval_months=template.interval,
        label_scheme=scheme,
        last_reviewed_on=last_reviewed,
        created_at=created,
        version=1,
    )
    document = SimDocument(doc_id, number, template.title, template)
    for clause in template.clauses:
        ctx.add(DocumentClause, document_id=doc_id, clause_number=clause)
    for audience in audiences:
        ctx.add(DocumentDistribution, document_id=doc_id, audience=audience)
    ctx.event(
        created,
        "document.created",
        "document",
        number,
        qm,
        {
            "title": template.title,
            "doc_type": template.doc_type,
            "owner": qm.email,
            "review_interval_months": template.interval,
            "clauses": list(template.clauses),
            "distribution": audiences,
        },
    )
    readers = [
        p
        for p in staff.of_site(site)
        if p.login and any(site.label(r) in reader_roles for r in p.roles)
    ]
    authors = [u.login for u in users if u.login.id != qm.id] or [None]
    sha = blobs[template.doc_type]
    in_flight = rng.random() < IN_FLIGHT_SHARE
    for index, effective_on in enumerate(dates):
        is_current = index == len(dates) - 1
        superseded_on = None if is_current else dates[index + 1]
        summary = "First issue." if index == 0 else rng.choice(CHANGE_SUMMARIES)
        label = _label(index, scheme)
        author = rng.choice(authors)
        revision_id = _revision(
            ctx,
            document,
            site,
            label,
            summary,
            author,
            qm,
            sha,
            state="effective" if is_current else "superseded",
            effective_on=effective_on,
            superseded_on=superseded_on,
            colleagues=authors,
        )
        document.revisions.append(
            SimRevision(
                revision_id,
                label,
                "effective" if is_current else "superseded",
                effective_on,
                superseded_on,
            )
        )
        _acknowledgements(ctx, number, label, revision_id, effective_on, is_current, readers, sha)
    if in_flight:
        label = _label(len(dates), scheme)
        state = rng.choice(("draft", "in_review"))
        revision_id = _revision(
            ctx,
            document,
            site,
            label,
            rng.choice(CHANGE_SUMMARIES),
            rng.choice(authors),
            qm,
            sha,
            state=state,
            effective_on=None,
            superseded_on=None,
        )
        document.revisions.append(SimRevision(revision_id, label, state, None))
    return document


def _revision(
    ctx,
    document,
    site,
    label,
    summary,
    author,
    qm,
    sha,
    *,
    state,
    effective_on,
    superseded_on,
    colleagues=(),
):
    rng = ctx.rng
    others = [c for c in colleagues if c is not None and c is not author]
    reviewers = {Meaning.REVIEWED: rng.choice(others)} if others else {}
    workflow_day = effective_on or ctx.day(rng.randint(3, 40))
    created = ctx.stamp(workflow_day - dt.timedelta(days=21))
    submitted = ctx.stamp(workflow_day - dt.timedelta(days=14)) if state != "draft" else None
    subject = f"{document.number} Rev {label}"
    revision_id = next(ctx._ids[Revision.__tablename__])
    ctx.event(
        created,
        "revision.created",
        "document",
        document.number,
        author,
        {"revision": label, "state": "draft", "file_sha256": sha, "change_summary": summary},
    )
    if submitted:
        ctx.event(
            submitted,
            "revision.submitted",
            "document",
            document.number,
            author,
            {"state": "in_review"},
        )
    approved_at = None
    if effective_on is not None:
        for meaning, days in ((Meaning.REVIEWED, 10), (Meaning.APPROVED, 7)):
            # The author's colleague reviews; the quality manager (never an author) approves.
            reviewer = reviewers.get(meaning, qm)
            signed = ctx.stamp(effective_on - dt.timedelta(days=days))
            ctx.add(
                Signature,
                subject_type="revision",
                subject_id=revision_id,
                signer_id=reviewer.id,
                printed_name=reviewer.name,
                signer_email=reviewer.email,
                meaning=meaning,
                signed_at=signed,
                content_sha256=sha,
                comment=None,
            )
            ctx.event(
                signed,
                "signature.applied",
                "revision",
                subject,
                reviewer,
                {"meaning": meaning, "content_sha256": sha, "signed_at": signed},
            )
            approved_at = signed
        ctx.event(
            approved_at,
            "revision.approved",
            "document",
            document.number,
            qm,
            {"state": "approved", "effective_on": effective_on},
        )
        ctx.event(
            ctx.stamp(effective_on, hour=0),
            "revision.effective",
            "document",
            document.number,
            None,
            {"state": "effective"},
        )
        if superseded_on is not None:
            ctx.event(
                ctx.stamp(superseded_on, hour=0),
                "revision.superseded",
                "document",
                document.number,
                None,
                {"state": "superseded"},
            )
    text = _text(document, site, label, summary)
    ctx.add(
        Revision,
        id=revision_id,
        document_id=document.id,
        label=label,
        state=state,
        file_sha256=sha,
        text=text,
        search_text=searchable(text),
        change_summary=summary,
        author_id=author.id if author else None,
        created_at=created,
        submitted_at=submitted,
        approved_at=approved_at,
        effective_on=effective_on,
        superseded_on=superseded_on,
        withdrawn_on=None,
        rejection_comment=None,
        version=1,
    )
    return revision_id


def _acknowledgements(ctx, number, label, revision_id, effective_on, is_current, readers, sha):
    """A reading task for each reader working there on the effective date; acknowledged within
    days, except some on a revision that became effective in the last weeks."""
    rng = ctx.rng
    due = effective_on + dt.timedelta(days=ACK_DUE_DAYS)
    recent = is_current and effective_on >= ctx.day(40)
    assigned = 0
    for person in readers:
        if not person.works_on(effective_on):
            continue
        task_id = next(ctx._ids[AcknowledgementTask.__tablename__])
        day = effective_on + dt.timedelta(days=min(rng.randint(0, 12), rng.randint(0, 12)))
        signature_id = acknowledged_at = None
        if not (recent and rng.random() < UNREAD_SHARE) and day < ctx.today:
            acknowledged_at = ctx.stamp(day)
            login = person.login
            signature_id = ctx.add(
                Signature,
                subject_type="acknowledgement",
                subject_id=task_id,
                signer_id=login.id,
                printed_name=login.name,
                signer_email=login.email,
                meaning=Meaning.ACKNOWLEDGED,
                signed_at=acknowledged_at,
                content_sha256=sha,
                comment=None,
            )
            ctx.event(
                acknowledged_at,
                "signature.applied",
                "acknowledgement",
                f"{number} Rev {label}",
                login,
                {
                    "meaning": Meaning.ACKNOWLEDGED,
                    "content_sha256": sha,
                    "signed_at": acknowledged_at,
                },
            )
        ctx.add(
            AcknowledgementTask,
            id=task_id,
            revision_id=revision_id,
            user_id=person.login.id,
            created_at=ctx.stamp(effective_on, hour=0),
            due_on=due,
            acknowledged_at=acknowledged_at,
            signature_id=signature_id,
        )
        assigned += 1
    if assigned:
        ctx.event(
            ctx.stamp(effective_on, hour=0),
            "acknowledgements.assigned",
            "document",
            number,
            None,
            {"tasks": assigned},
            reason=f"due {due.isoformat()}",
        )
