"""Accounts, staff, job roles; then training, competence and authorizations (6.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from compliance.dates import add_months
from compliance.demo.generate.base import Context, Login, Site
from compliance.demo.generate.content import (
    COURSES,
    ELECTIVES,
    FIRST_NAMES,
    JOB_ROLES,
    LAST_NAMES,
    TRAINERS,
)
from compliance.demo.lab import DOMAIN
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    JobRole,
    JobRoleRequirement,
    Person,
    PersonJobRole,
    TrainingItem,
    TrainingRecord,
)
from compliance.personnel.services import AUTHORIZED_IMPORTED
from compliance.signatures.models import Signature
from compliance.users.models import User, UserRole

# The logins printed at the end: (name, roles, job role at site 1 or None, access window days).
NAMED = {
    "qm": ("Dana Whitfield", ("quality_manager", "staff"), "Quality Manager", None),
    "admin": ("Samir Haddad", ("admin",), None, None),
    "internal_auditor": ("Rachel Stein", ("auditor", "staff"), "Internal Auditor", 365),
    "assessor": ("Victor Alvarez", ("auditor",), None, 30),
    "staff": ("Luis Ortega", ("staff",), "Counterfeit Inspection Technician", None),
}
LOGIN_SHARE = 0.4  # of the technical staff; the rest are records without an account
EXPIRED_SHARE = 0.015  # people whose yearly ESD refresher lapsed
TRAINING_PER_YEAR = 4


@dataclass
class SimPerson:
    id: int
    employee_id: str
    name: str
    email: str
    site: Site
    roles: list[str]  # base job role names
    hired_on: dt.date
    left_on: dt.date | None
    login: Login | None = None

    def works_on(self, day: dt.date) -> bool:
        return self.hired_on <= day and (self.left_on is None or day < self.left_on)


@dataclass
class Staff:
    people: list[SimPerson] = field(default_factory=list)
    logins: dict[str, Login] = field(default_factory=dict)  # NAMED key -> login
    role_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # (site, base) -> id
    qm: dict[int, Login] = field(default_factory=dict)  # site index -> its quality manager
    auditor: dict[int, Login] = field(default_factory=dict)  # site index -> internal auditor

    def of_site(self, site: Site) -> list[SimPerson]:
        return [p for p in self.people if p.site is site]


def _role_order(count: int) -> list[str]:
    """Job roles for a site's people, round robin by share so a small site still has each."""
    left = {name: share for name, (_, _, share) in JOB_ROLES.items()}
    order: list[str] = []
    while len(order) < count:
        for name in JOB_ROLES:
            if left[name] > 0 or sum(left.values()) <= 0:
                order.append(name)
                left[name] -= 1
    return order[:count]


def _add_user(ctx: Context, staff_hash: str, name: str, email: str, roles, created, window=None):
    user_id = ctx.add(
        User,
        email=email,
        name=name,
        password_hash=staff_hash,
        is_active=True,
        must_change_password=False,
        failed_logins=0,
        access_valid_from=window[0] if window else None,
        access_valid_until=window[1] if window else None,
        created_at=created,
        version=1,
    )
    for role in sorted(roles):
        ctx.add(UserRole, user_id=user_id, role=role)
    login = Login(user_id, name, email)
    ctx.event(
        created,
        "user.created",
        "user",
        email,
        None,
        {
            "email": email,
            "name": name,
            "roles": sorted(roles),
            "access_valid_from": window[0] if window else None,
            "access_valid_until": window[1] if window else None,
        },
        reason="generated lab",
    )
    return login


def create_staff(ctx: Context, password_hash: str) -> Staff:
    """Users, job roles and staff records of every site."""
    rng, staff = ctx.rng, Staff()
    created = ctx.stamp(ctx.start - dt.timedelta(days=30), hour=9)
    now = dt.datetime.combine(ctx.today, dt.time(), dt.UTC)
    used_emails: set[str] = set()

    def email_for(name: str) -> str:
        first, *rest = name.lower().split()
        base = f"{first}.{rest[-1]}"
        email, n = f"{base}@{DOMAIN}", 1
        while email in used_emails:
            n += 1
            email = f"{base}{n}@{DOMAIN}"
        used_emails.add(email)
        return email

    # Logins of people outside any site's staff.
    for key in ("admin", "assessor"):
        name, roles, _, window_days = NAMED[key]
        window = (
            (now - dt.timedelta(days=1), now + dt.timedelta(days=window_days))
            if (window_days)
            else None
        )
        staff.logins[key] = _add_user(
            ctx, password_hash, name, email_for(name), roles, created, window
        )

    employee_no = 10000
    for site in ctx.sites:
        for base in JOB_ROLES:
            role_id = ctx.add(
                JobRole,
                name=site.label(base),
                description=f"{base} at the {site.name} site.",
                created_at=created,
            )
            staff.role_ids[(site.index, base)] = role_id
            ctx.event(
                created,
                "job_role.created",
                "job_role",
                site.label(base),
                None,
                {"name": site.label(base)},
            )
        named_here = {job: key for key, (_, _, job, _) in NAMED.items() if job and site.index == 1}
        for role in _role_order(ctx.per_site("people")):
            employee_no += 1
            key = named_here.pop(role, None)
            name = NAMED[key][0] if key else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            draw = rng.random()
            if key or role in ("Quality Manager", "Internal Auditor"):
                hired = ctx.start - dt.timedelta(days=rng.randint(200, 2500))
            elif draw < 0.02:
                hired = ctx.day(rng.randint(20, 60))  # a new starter
            elif draw < 0.2:
                hired = ctx.start + dt.timedelta(days=rng.randint(0, 1700))
            else:
                hired = ctx.start - dt.timedelta(days=rng.randint(30, 3000))
            left = None
            if (
                not key
                and role not in ("Quality Manager", "Internal Auditor")
                and (rng.random() < 0.03)
            ):
                left = ctx.day(rng.randint(30, 700))
                hired = min(hired, left - dt.timedelta(days=400))
            roles = [role]
            if role == "Counterfeit Inspection Technician" and rng.random() < 0.1:
                roles.append("Decapsulation Technician")
            person = SimPerson(
                id=0,
                employee_id=f"E{employee_no}",
                name=name,
                email=email_for(name),
                site=site,
                roles=roles,
                hired_on=hired,
                left_on=left,
            )
            wants_login = key is not None or role in ("Quality Manager", "Internal Auditor")
            if left is None and (wants_login or rng.random() < LOGIN_SHARE):
                if key:
                    app_roles, window_days = NAMED[key][1], NAMED[key][3]
                else:
                    app_roles = (
                        ("quality_manager", "staff") if role == "Quality Manager" else ("staff",)
                    )
                    window_days = None
                window = (
                    (now - dt.timedelta(days=1), now + dt.timedelta(days=window_days))
                    if window_days
                    else None
                )
                person.login = _add_user(
                    ctx, password_hash, name, person.email, app_roles, created, window
                )
                if key:
                    staff.logins[key] = person.login
                if role == "Quality Manager":
                    staff.qm.setdefault(site.index, person.login)
                if role == "Internal Auditor":
                    staff.auditor.setdefault(site.index, person.login)
            person.id = ctx.add(
                Person,
                employee_id=person.employee_id,
                name=name,
                email=person.email,
                user_id=person.login.id if person.login else None,
                hired_on=hired,
                is_active=left is None,
                left_on=left,
                created_at=created,
                version=1,
            )
            for base in roles:
                ctx.add(
                    PersonJobRole,
                    person_id=person.id,
                    job_role_id=staff.role_ids[(site.index, base)],
                )
            ctx.event(
                created,
                "person.created",
                "person",
                person.employee_id,
                staff.qm.get(site.index),
                {
                    "name": name,
                    "email": person.email,
                    "job_roles": [site.label(r) for r in roles],
                    "hired_on": hired,
                    "left_on": left,
                },
                reason="generated lab",
            )
            staff.people.append(person)
        # Every site needs a quality manager's login to sign with.
        staff.qm.setdefault(site.index, staff.logins.get("qm") or staff.logins["admin"])
        staff.auditor.setdefault(site.index, staff.qm[site.index])
    staff.logins.setdefault("qm", staff.qm[1])
    return staff


# --- training, competence, authorization ------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_training(ctx: Context, staff: Staff, documents, methods) -> None:
    """Courses and procedures as training items, job-role requirements, training histories,
    competence assessments and authorizations."""
    created = ctx.stamp(ctx.start - dt.timedelta(days=29), hour=10)
    qm1 = staff.logins["qm"]
    courses: dict[str, int] = {}
    for code, (title, months) in [
        *COURSES.items(),
        *((c, (t, None)) for c, t in ELECTIVES.items()),
    ]:
        courses[code] = ctx.add(
            TrainingItem,
            kind="course",
            code=code,
            title=title,
            document_id=None,
            retrain_interval_months=months,
            created_at=created,
            version=1,
        )
        ctx.event(
            created,
            "training_item.created",
            "training_item",
            code,
            qm1,
            {"code": code, "title": title, "retrain_interval_months": months},
        )
    for site in ctx.sites:
        site_methods = methods[site.index]
        procedure_items = {}
        for slash, method in site_methods.items():
            doc = method.procedure
            procedure_items[slash] = ctx.add(
                TrainingItem,
                kind="document",
                code=None,
                title="",
                document_id=doc.id,
                retrain_interval_months=None,
                created_at=created,
                version=1,
            )
            ctx.event(
                created,
                "training_item.created",
                "training_item",
                doc.number,
                qm1,
                {"document": doc.number},
            )
        for base, (codes, slashes, _) in JOB_ROLES.items():
            role_id = staff.role_ids[(site.index, base)]
            items = [courses[c] for c in codes] + [
                procedure_items[s] for s in slashes if s in procedure_items
            ]
            for item_id in items:
                ctx.add(
                    JobRoleRequirement,
                    job_role_id=role_id,
                    training_item_id=item_id,
                    created_at=created,
                )
            ctx.event(
                created,
                "requirement.added",
                "job_role",
                site.label(base),
                qm1,
                {"requirements": len(items)},
            )
        recorder = staff.qm[site.index]
        for person in staff.of_site(site):
            _person_training(ctx, person, courses, procedure_items, site_methods, recorder)
        _competence_and_authorizations(ctx, staff, site, site_methods, recorder)


def _window(ctx: Context, person: SimPerson) -> tuple[dt.date, dt.date]:
    first = max(person.hired_on, ctx.start)
    last = min(person.left_on - dt.timedelta(days=1) if person.left_on else ctx.today, ctx.today)
    return first, last - dt.timedelta(days=1)


def _course_dates(ctx: Context, months: int | None, first: dt.date, last: dt.date, lapsed: bool):
    """Completion dates of one required course: once, or renewed before each expiry."""
    rng = ctx.rng
    if first > last:
        return []
    initial = min(first + dt.timedelta(days=rng.randint(3, 40)), last)
    if not months:
        return [initial]
    if lapsed:
        latest = add_months(ctx.today, -months) - dt.timedelta(days=rng.randint(5, 45))
    else:
        latest = last - dt.timedelta(days=rng.randint(0, max(1, months * 30 - 60)))
    latest = min(max(latest, initial), last)
    dates = [latest]
    while True:
        earlier = add_months(dates[-1], -months) + dt.timedelta(days=rng.randint(0, 20))
        if earlier <= initial:
            break
        dates.append(earlier)
    if dates[-1] != initial and initial < dates[-1]:
        dates.append(initial)
    return sorted(dates)


def _person_training(ctx, person: SimPerson, courses, procedure_items, site_methods, recorder):
    rng = ctx.rng
    first, last = _window(ctx, person)
    if first > last:
        return
    required = []
    for base in person.roles:
        required += [c for c in JOB_ROLES[base][0] if c not in required]
    new_starter = person.hired_on > ctx.day(90)
    lapsed_course = (
        "ESD-101"
        if (
            "ESD-101" in required
            and person.left_on is None
            and not new_starter
            and rng.random() < EXPIRED_SHARE
        )
        else None
    )
    records: list[tuple[dt.date, str, int, object]] = []  # (day, label, item id, revision)
    for code in required:
        if new_starter and code == required[-1] and rng.random() < 0.5:
            continue  # not trained yet: the matrix shows it missing
        months = COURSES[code][1]
        for day in _course_dates(ctx, months, first, last, lapsed=code == lapsed_course):
            records.append((day, code, courses[code], None))
    slashes = sorted({s for base in person.roles for s in JOB_ROLES[base][1]})
    for slash in slashes:
        method = site_methods.get(slash)
        if method is None:
            continue
        for revision in method.procedure.effective_history():
            if revision.superseded_on is not None and revision.superseded_on <= first:
                continue
            day = max(revision.effective_on, first) + dt.timedelta(days=rng.randint(1, 10))
            if day > last:
                continue
            records.append((day, method.procedure.number, procedure_items[slash], revision))
    years = max(0.0, (last - first).days / 365.25)
    electives = sorted(ELECTIVES)
    for _ in range(max(0, round(TRAINING_PER_YEAR * years) - len(records))):
        day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        code = rng.choice(electives)
        records.append((day, code, courses[code], None))
    records.sort(key=lambda r: (r[0], r[1]))
    for day, label, item_id, revision in records:
        months = COURSES.get(label, (None, None))[1]
        expires = add_months(day, months) if months else None
        trainer = "read and understood" if revision else rng.choice(TRAINERS)
        method_of = (
            "read and understood"
            if revision
            else rng.choice(("classroom", "on the job", "e-learning", "external course"))
        )
        recorded_at = ctx.stamp(day + dt.timedelta(days=rng.randint(0, 3)))
        record_id = ctx.add(
            TrainingRecord,
            person_id=person.id,
            training_item_id=item_id,
            revision_id=revision.id if revision else None,
            completed_on=day,
            expires_on=expires,
            trainer=trainer if not revision else recorder.name,
            training_method=method_of,
            evidence_sha256=None,
            notes="",
            corrects_id=None,
            correction_reason=None,
            source="entry",
            recorded_by_id=recorder.id,
            recorded_at=recorded_at,
        )
        ctx.event(
            recorded_at,
            "training.recorded",
            "person",
            person.employee_id,
            recorder,
            {
                "training_record": record_id,
                "item": label,
                "revision": revision.label if revision else None,
                "completed_on": day,
                "expires_on": expires,
                "training_method": method_of,
            },
        )


def _competence_and_authorizations(ctx: Context, staff: Staff, site: Site, site_methods, qm):
    rng = ctx.rng
    people = staff.of_site(site)
    for slash, method in site_methods.items():
        roles = [base for base, (_, slashes, _) in JOB_ROLES.items() if slash in slashes]
        candidates = [p for p in people if any(r in roles for r in p.roles)]
        current = [p for p in candidates if p.left_on is None and p.hired_on < ctx.day(120)]
        chosen = [p for p in current if rng.random() < 0.7] or current[:2]
        for person in chosen:
            _authorize(ctx, person, method, qm, lapse=rng.random() < 0.01)
        trainees = [p for p in current if p not in chosen]
        if trainees:
            trainee = rng.choice(trainees)
            day = ctx.day(rng.randint(10, 60))
            _assess(
                ctx,
                trainee,
                method,
                day,
                qm,
                result="not_yet",
                supervisor=chosen[0].name if chosen else qm.name,
            )
        for person in [p for p in candidates if p.left_on is not None][:1]:
            _authorize(ctx, person, method, qm, lapse=False, withdrawn_on=person.left_on)


def _assess(ctx, person, method, day, qm, *, result="competent", supervisor=""):
    next_due = add_months(day, 12) if result == "competent" else day + dt.timedelta(days=90)
    at = ctx.stamp(day)
    assessment_id = ctx.add(
        CompetenceAssessment,
        person_id=person.id,
        method_id=method.id,
        assessed_on=day,
        assessor=qm.name,
        result=result,
        next_due_on=next_due,
        supervisor=supervisor,
        evidence_sha256=None,
        notes="" if result == "competent" else "Works under supervision until reassessed.",
        source="entry",
        recorded_by_id=qm.id,
        recorded_at=at,
    )
    ctx.event(
        at,
        "competence.assessed",
        "person",
        person.employee_id,
        qm,
        {
            "competence_assessment": assessment_id,
            "method": method.code,
            "assessed_on": day,
            "assessor": qm.name,
            "result": result,
            "next_due_on": next_due,
            "supervisor": supervisor or None,
        },
    )


def _authorize(ctx, person, method, qm, *, lapse: bool, withdrawn_on: dt.date | None = None):
    """Yearly competence assessments since the authorization (the latest current unless the
    reassessment lapsed), and the authorization itself, signed."""
    rng = ctx.rng
    first, last = _window(ctx, person)
    start = min(max(first + dt.timedelta(days=rng.randint(30, 200)), ctx.start), last)
    if withdrawn_on is None:
        latest = ctx.day(365 + rng.randint(5, 40)) if lapse else ctx.day(rng.randint(15, 330))
    else:
        latest = withdrawn_on - dt.timedelta(days=rng.randint(30, 200))
    latest = max(latest, start)
    days = [latest]
    while add_months(days[-1], -12) > start:
        days.append(add_months(days[-1], -12))
    for day in sorted(days):
        _assess(ctx, person, method, day, qm)
    authorized_on = min(days) + dt.timedelta(days=3)
    statement = (
        f"I authorize {person.name} (employee {person.employee_id}) to perform {method.code} "
        f"{method.title} from {authorized_on.isoformat()} with no end date. Procedure: "
        f"{method.procedure.number}. (Signed on paper; imported.)"
    )
    at = ctx.stamp(authorized_on)
    authorization_id = next(ctx._ids[Authorization.__tablename__])
    signature_id = ctx.add(
        Signature,
        subject_type="authorization",
        subject_id=authorization_id,
        signer_id=qm.id,
        printed_name=qm.name,
        signer_email=qm.email,
        meaning=AUTHORIZED_IMPORTED,
        signed_at=at,
        content_sha256=_sha(statement),
        comment=None,
    )
    withdrawn = withdrawn_on is not None
    ctx.add(
        Authorization,
        id=authorization_id,
        person_id=person.id,
        method_id=method.id,
        authorized_on=authorized_on,
        expires_on=None,
        status="withdrawn" if withdrawn else "active",
        authorized_by_id=qm.id,
        statement=statement,
        signature_id=signature_id,
        override_reason=None,
        unmet=[],
        status_reason="Left the laboratory." if withdrawn else None,
        status_changed_at=ctx.stamp(withdrawn_on) if withdrawn else None,
        status_changed_by_id=qm.id if withdrawn else None,
        source="import",
        created_at=at,
        version=1,
    )
    subject = f"{person.employee_id} {method.code}"
    ctx.event(
        at,
        "signature.applied",
        "authorization",
        subject,
        qm,
        {"meaning": AUTHORIZED_IMPORTED, "content_sha256": _sha(statement), "signed_at": at},
    )
    ctx.event(
        at,
        "authorization.imported",
        "person",
        person.employee_id,
        qm,
        {
            "authorization": authorization_id,
            "method": method.code,
            "authorized_on": authorized_on,
            "authorized_by": qm.email,
            "signature": signature_id,
        },
    )
    if withdrawn:
        ctx.event(
            ctx.stamp(withdrawn_on),
            "authorization.withdrawn",
            "person",
            person.employee_id,
            qm,
            {"status": "withdrawn"},
            reason="Left the laboratory.",
        )
