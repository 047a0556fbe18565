"""Spreadsheet imports of staff, requirements, training, competence and authorizations.

Each is an ImportSpec on the shared contract (all rows or none, `FILE:ROW: column: message`,
re-importing the same file changes nothing) registered once as an ImportKind, which gives it
`flask --app compliance import NAME FILE` and the upload -> preview -> confirm pages.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from compliance.dates import lab_today
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.imports import (
    Column,
    FieldError,
    ImportResult,
    ImportSpec,
    ImportSummary,
    ParsedRow,
    ParseOptions,
    RowError,
    Upload,
    cell_text,
    date_field,
    email_field,
    int_field,
    list_field,
    run_import,
    text_field,
)
from compliance.imports.registry import ImportKind, register_import
from compliance.permissions import Permission
from compliance.personnel import services
from compliance.personnel.matrix import current_records_stmt
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    JobRole,
    Person,
    Result,
    Source,
    TrainingItem,
    TrainingRecord,
)
from compliance.scope.models import Method
from compliance.users.models import User

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


# --- cells ------------------------------------------------------------------------------------


def employee_id_field(value: Any, options: ParseOptions) -> str:
    try:
        return services.validate_employee_id(cell_text(value))
    except services.PersonnelError as exc:
        raise FieldError(str(exc)) from None


def name_field(max_length: int) -> Any:
    def parse(value: Any, options: ParseOptions) -> str:
        return " ".join(text_field(max_length=max_length)(value, options).split())

    return parse


def code_field(value: Any, options: ParseOptions) -> str:
    """A course code or document number, upper-cased like the register keeps them."""
    return services.normalise_code(text_field(max_length=40)(value, options))


def result_field(value: Any, options: ParseOptions) -> str:
    text = "_".join(cell_text(value).casefold().replace("-", " ").split())
    if text in ("not_yet_competent", "not_competent"):
        text = Result.NOT_YET.value
    if text not in {r.value for r in Result}:
        raise FieldError(f'expected competent or not_yet, got "{cell_text(value)}"')
    return text


# --- lookups shared by the rows of one file ---------------------------------------------------


@dataclass
class PersonnelContext:
    today: dt.date
    by: Any = None
    _people: dict[str, Person | None] = field(default_factory=dict)
    _methods: dict[str, Method | None] = field(default_factory=dict)
    _users: dict[str, User | None] = field(default_factory=dict)
    _roles: dict[str, JobRole | None] = field(default_factory=dict)
    _items: dict[str, tuple[TrainingItem | None, Document | None]] = field(default_factory=dict)

    def person(self, employee_id: str) -> Person | None:
        if employee_id not in self._people:
            self._people[employee_id] = services.person_by_employee_id(employee_id)
        return self._people[employee_id]

    def method(self, code: str) -> Method | None:
        key = code.strip().upper()
        if key not in self._methods:
            self._methods[key] = db.session.scalar(
                select(Method).where(func.upper(Method.code) == key)
            )
        return self._methods[key]

    def user(self, email: str) -> User | None:
        if email not in self._users:
            self._users[email] = db.session.scalar(select(User).where(User.email == email))
        return self._users[email]

    def job_role(self, name: str, *, create: bool = False) -> JobRole | None:
        key = name.casefold()
        if key not in self._roles:
            self._roles[key] = services.job_role_by_name(name)
        if self._roles[key] is None and create:
            self._roles[key] = services.create_job_role(name, by=self.by)
        return self._roles[key]

    def item(self, code: str) -> tuple[TrainingItem | None, Document | None]:
        if code not in self._items:
            self._items[code] = services.find_item(code)
        return self._items[code]

    def remember_item(self, code: str, item: TrainingItem, document: Document | None) -> None:
        self._items[code] = (item, document)


def _person(row: ParsedRow, ctx: PersonnelContext) -> Person:
    person = ctx.person(row["employee_id"])
    if person is None:
        raise RowError(
            "employee_id",
            f"no staff record has employee id {row['employee_id']}; import the staff file first",
        )
    return person


def _method(row: ParsedRow, ctx: PersonnelContext) -> Method:
    method = ctx.method(row["method_code"])
    if method is None:
        known = ", ".join(db.session.scalars(select(Method.code).order_by(Method.code)))
        raise RowError(
            "method_code",
            f"no test method has the code {row['method_code']}"
            + (f" (the scope has {known})" if known else " (the scope has no methods yet)"),
        )
    return method


def _not_future(row: ParsedRow, column: str, ctx: PersonnelContext) -> None:
    if row[column] > ctx.today:
        raise RowError(
            column,
            f"{row[column].isoformat()} is in the future (today is {ctx.today.isoformat()})",
        )


def _not_before(row: ParsedRow, later: str, earlier: str) -> None:
    if row[later] is not None and row[later] < row[earlier]:
        raise RowError(
            later, f"{row[later].isoformat()} is before {earlier} {row[earlier].isoformat()}"
        )


def _preview(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = ImportSummary()
    for row in rows:
        outcome = row.resolved.get("outcome", CREATE)
        if outcome == CREATE:
            summary.created += 1
        elif outcome == UPDATE:
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


def _shown(value) -> str:
    if value is None or value == "":
        return "none"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _until(day: dt.date | None) -> str:
    return f"until {day.isoformat()}" if day else "with no end date"


def _run(spec: ImportSpec, source, *, date_format=None, apply=True, by=None) -> ImportResult:
    ctx = PersonnelContext(today=lab_today(), by=by)
    return run_import(source, spec, ctx=ctx, date_format=date_format, apply=apply)


# --- staff ------------------------------------------------------------------------------------


def _staff_changes(person: Person, row: ParsedRow) -> dict:
    """What the row would change on an existing staff record (empty cells change nothing)."""
    changes = {}
    if row["name"] != person.name:
        changes["name"] = row["name"]
    if row["email"] is not None and row["email"] != person.email:
        changes["email"] = row["email"]
    if row["hired_on"] is not None and row["hired_on"] != person.hired_on:
        changes["hired_on"] = row["hired_on"]
    if row["job_roles"] is not None:
        wanted = sorted(name.casefold() for name in row["job_roles"])
        if wanted != sorted(r.name.casefold() for r in person.job_roles):
            changes["job_roles"] = row["job_roles"]
    return changes


def check_staff_row(row: ParsedRow, ctx: PersonnelContext):
    person = ctx.person(row["employee_id"])
    email = row["email"]
    if email is not None:
        holder = db.session.scalar(
            select(Person).where(Person.email == email, Person.employee_id != row["employee_id"])
        )
        if holder is not None:
            yield RowError(
                "email", f"{email} is the e-mail of {holder.name} ({holder.employee_id})"
            )
        user = ctx.user(email)
        if user is not None:
            linked = db.session.scalar(
                select(Person).where(
                    Person.user_id == user.id, Person.employee_id != row["employee_id"]
                )
            )
            if linked is not None:
                yield RowError(
                    "email", f"the login {email} belongs to {linked.name} ({linked.employee_id})"
                )
    for name in row["job_roles"] or ():
        if len(name) > 120:
            yield RowError("job_roles", f'"{name[:40]}…" is longer than 120 characters')
    if person is None:
        row.resolved["outcome"] = CREATE
    else:
        row.resolved["outcome"] = UPDATE if _staff_changes(person, row) else UNCHANGED


def apply_staff(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        try:
            roles = (
                [ctx.job_role(name, create=True) for name in row["job_roles"]]
                if row["job_roles"] is not None
                else None
            )
            person = ctx.person(row["employee_id"])
            if person is None:
                ctx._people[row["employee_id"]] = services.create_person(
                    employee_id=row["employee_id"],
                    name=row["name"],
                    email=row["email"],
                    job_roles=roles or [],
                    hired_on=row["hired_on"],
                    by=ctx.by,
                    reason="staff import",
                )
            elif row.resolved["outcome"] == UPDATE:
                services.update_person(
                    person,
                    name=row["name"],
                    email=row["email"] if row["email"] is not None else person.email,
                    job_roles=roles if roles is not None else person.job_roles,
                    hired_on=row["hired_on"] if row["hired_on"] is not None else person.hired_on,
                    by=ctx.by,
                    reason="staff import",
                )
        except services.PersonnelError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


STAFF = ImportSpec(
    name="staff",
    columns=[
        Column("employee_id", parse=employee_id_field, required=True),
        Column("name", parse=name_field(200), required=True),
        Column("email", parse=email_field),
        Column("job_roles", parse=list_field(name_field(200), separator=";")),
        Column("hired_on", parse=date_field),
    ],
    unique=["employee_id", "email"],
    check_row=check_staff_row,
    apply=apply_staff,
    preview=_preview,
)


# --- requirements -----------------------------------------------------------------------------


def check_requirement_row(row: ParsedRow, ctx: PersonnelContext):
    item, document = ctx.item(row["item"])
    interval = row["retrain_interval_months"]
    if document is None and item is None:
        if not row["item_title"]:
            raise RowError(
                "item",
                f"{row['item']} is neither a document number nor a known course code; give "
                "item_title to create the course",
            )
        if not services.CODE_RE.match(row["item"]):
            raise RowError(
                "item",
                f"{row['item']} is not a course code: capitals, digits, spaces and . - / _",
            )
    role = ctx.job_role(row["job_role"])
    if item is None or role is None:
        row.resolved["outcome"] = CREATE
        return
    changed_item = (interval is not None and interval != item.retrain_interval_months) or (
        document is None and row["item_title"] and row["item_title"] != item.title
    )
    if not services.has_requirement(role, item):
        row.resolved["outcome"] = CREATE
    else:
        row.resolved["outcome"] = UPDATE if changed_item else UNCHANGED


def check_requirement_rows(rows: list[ParsedRow], ctx: PersonnelContext):
    """Rows naming one item agree on its title and interval (they belong to the item)."""
    first: dict[str, ParsedRow] = {}
    for row in rows:
        earlier = first.setdefault(row["item"], row)
        if earlier is row:
            continue
        for column in ("item_title", "retrain_interval_months"):
            if row[column] is not None and earlier[column] not in (None, row[column]):
                yield RowError(
                    column,
                    f"{_shown(row[column])} differs from row {earlier.number} "
                    f"({_shown(earlier[column])}) for the same item {row['item']}",
                    row=row.number,
                )


def apply_requirements(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        try:
            role = ctx.job_role(row["job_role"], create=True)
            item, document = ctx.item(row["item"])
            interval = row["retrain_interval_months"]
            if item is None and document is not None:
                item = services.ensure_document_item(
                    document, retrain_interval_months=interval, by=ctx.by
                )
            elif item is None:
                item = services.create_course(
                    row["item"],
                    title=row["item_title"],
                    retrain_interval_months=interval,
                    by=ctx.by,
                )
            else:
                services.update_item(
                    item,
                    title=row["item_title"] if document is None and row["item_title"] else None,
                    retrain_interval_months=(
                        interval if interval is not None else item.retrain_interval_months
                    ),
                    by=ctx.by,
                    reason="requirements import",
                )
            ctx.remember_item(row["item"], item, document)
            services.add_requirement(role, item, by=ctx.by)
        except services.PersonnelError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


REQUIREMENTS = ImportSpec(
    name="requirements",
    columns=[
        Column("job_role", parse=name_field(120), required=True),
        Column("item", parse=code_field, required=True),
        Column("item_title", parse=name_field(300)),
        Column("retrain_interval_months", parse=int_field(minimum=1, maximum=240)),
    ],
    unique=[("job_role", "item")],
    check_row=check_requirement_row,
    check_rows=check_requirement_rows,
    apply=apply_requirements,
    preview=_preview,
)


# --- training records -------------------------------------------------------------------------


def check_training_row(row: ParsedRow, ctx: PersonnelContext):
    _not_future(row, "completed_on", ctx)
    _not_before(row, "expires_on", "completed_on")
    person = _person(row, ctx)
    item, document = ctx.item(row["item"])
    revision = None
    if document is not None:
        revision = services.revision_in_effect(document, row["completed_on"])
        if revision is None:
            raise RowError(
                "completed_on",
                f"no revision of {document.number} was in effect on "
                f"{row['completed_on'].isoformat()}",
            )
    elif item is None:
        raise RowError("item", f"no course has the code {row['item']} and no document that number")
    row.resolved.update(person=person, revision=revision)
    row.resolved["outcome"] = CREATE
    if item is None:
        return
    expires = services.expiry_for(item, row["completed_on"], row["expires_on"])
    existing = db.session.scalars(
        current_records_stmt().where(
            TrainingRecord.person_id == person.id,
            TrainingRecord.training_item_id == item.id,
            TrainingRecord.completed_on == row["completed_on"],
        )
    ).first()
    if existing is None:
        return
    trainer = row["trainer"] or ""
    if (existing.trainer, existing.expires_on) != (trainer, expires):
        raise RowError(
            "completed_on",
            f"{person.employee_id} already has {row['item']} completed on "
            f"{row['completed_on'].isoformat()} (trainer {_shown(existing.trainer)}, expires "
            f"{_shown(existing.expires_on)}); records are never overwritten: correct it in the "
            "app, with a reason",
        )
    row.resolved["outcome"] = UNCHANGED


def apply_training(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        if row.resolved["outcome"] == UNCHANGED:
            continue
        try:
            item, document = ctx.item(row["item"])
            if item is None:
                item = services.ensure_document_item(document, by=ctx.by)
                ctx.remember_item(row["item"], item, document)
            services.record_training(
                row.resolved["person"],
                item,
                completed_on=row["completed_on"],
                trainer=row["trainer"] or "",
                expires_on=row["expires_on"],
                by=ctx.by,
                source=Source.IMPORT,
            )
        except services.PersonnelError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


TRAINING = ImportSpec(
    name="training",
    columns=[
        Column("employee_id", parse=employee_id_field, required=True),
        Column("item", parse=code_field, required=True),
        Column("completed_on", parse=date_field, required=True),
        Column("trainer", parse=name_field(200)),
        Column("expires_on", parse=date_field),
    ],
    unique=[("employee_id", "item", "completed_on")],
    check_row=check_training_row,
    apply=apply_training,
    preview=_preview,
)


# --- competence -------------------------------------------------------------------------------


def check_competence_row(row: ParsedRow, ctx: PersonnelContext):
    _not_future(row, "assessed_on", ctx)
    _not_before(row, "next_due_on", "assessed_on")
    person, method = _person(row, ctx), _method(row, ctx)
    row.resolved.update(person=person, method=method, outcome=CREATE)
    existing = db.session.scalar(
        select(CompetenceAssessment).where(
            CompetenceAssessment.person_id == person.id,
            CompetenceAssessment.method_id == method.id,
            CompetenceAssessment.assessed_on == row["assessed_on"],
        )
    )
    if existing is None:
        return
    due = row["next_due_on"]
    same = (existing.assessor, existing.result) == (row["assessor"], row["result"]) and (
        due is None or due == existing.next_due_on
    )
    if not same:
        raise RowError(
            "assessed_on",
            f"{person.employee_id} already has an assessment on {method.code} dated "
            f"{row['assessed_on'].isoformat()} (assessor {existing.assessor}, result "
            f"{existing.result}, next due {_shown(existing.next_due_on)}); assessments are "
            "never overwritten",
        )
    row.resolved["outcome"] = UNCHANGED


def apply_competence(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        if row.resolved["outcome"] == UNCHANGED:
            continue
        try:
            services.record_competence(
                row.resolved["person"],
                row.resolved["method"],
                assessed_on=row["assessed_on"],
                assessor=row["assessor"],
                result=row["result"],
                next_due_on=row["next_due_on"],
                by=ctx.by,
                source=Source.IMPORT,
            )
        except services.PersonnelError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


COMPETENCE = ImportSpec(
    name="competence",
    columns=[
        Column("employee_id", parse=employee_id_field, required=True),
        Column("method_code", parse=text_field(max_length=40), required=True),
        Column("assessed_on", parse=date_field, required=True),
        Column("assessor", parse=name_field(200), required=True),
        Column("result", parse=result_field, required=True),
        Column("next_due_on", parse=date_field),
    ],
    unique=[("employee_id", "method_code", "assessed_on")],
    check_row=check_competence_row,
    apply=apply_competence,
    preview=_preview,
)


# --- authorizations ---------------------------------------------------------------------------


def check_authorization_row(row: ParsedRow, ctx: PersonnelContext):
    _not_before(row, "expires_on", "authorized_on")
    person, method = _person(row, ctx), _method(row, ctx)
    signer = ctx.user(row["authorized_by"])
    if signer is None:
        raise RowError("authorized_by", f"no user has the e-mail {row['authorized_by']}")
    row.resolved.update(person=person, method=method, signer=signer, outcome=CREATE)
    same_day = db.session.scalar(
        select(Authorization).where(
            Authorization.person_id == person.id,
            Authorization.method_id == method.id,
            Authorization.authorized_on == row["authorized_on"],
        )
    )
    if same_day is not None:
        if (same_day.expires_on, same_day.authorized_by_id) != (row["expires_on"], signer.id):
            raise RowError(
                "authorized_on",
                f"{person.employee_id} already has an authorization for {method.code} from "
                f"{row['authorized_on'].isoformat()} (until {_shown(same_day.expires_on)}, by "
                f"{same_day.authorized_by.email}); change it in the app",
            )
        row.resolved["outcome"] = UNCHANGED
        return
    overlap = services.overlapping_authorization(
        person, method, row["authorized_on"], row["expires_on"]
    )
    if overlap is not None:
        raise RowError(
            "authorized_on",
            f"{person.employee_id} is already authorized for {method.code} from "
            f"{overlap.authorized_on.isoformat()} {_until(overlap.expires_on)}",
        )


def check_authorization_rows(rows: list[ParsedRow], ctx: PersonnelContext):
    """Two rows for one person and method must not overlap in time."""
    grouped: dict[tuple[str, str], list[ParsedRow]] = defaultdict(list)
    for row in rows:
        grouped[(row["employee_id"], row["method_code"].upper())].append(row)
    for group in grouped.values():
        ordered = sorted(group, key=lambda r: r["authorized_on"])
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier["authorized_on"] == later["authorized_on"]:
                continue  # reported by the unique rule
            if earlier["expires_on"] is None or earlier["expires_on"] >= later["authorized_on"]:
                yield RowError(
                    "authorized_on",
                    f"overlaps the authorization in row {earlier.number} (from "
                    f"{earlier['authorized_on'].isoformat()} {_until(earlier['expires_on'])})",
                    row=later.number,
                )


def apply_authorizations(rows: list[ParsedRow], ctx: PersonnelContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        if row.resolved["outcome"] == UNCHANGED:
            continue
        try:
            services.import_authorization(
                row.resolved["person"],
                row.resolved["method"],
                authorized_on=row["authorized_on"],
                expires_on=row["expires_on"],
                authorized_by=row.resolved["signer"],
                by=ctx.by,
            )
        except services.PersonnelError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


AUTHORIZATIONS = ImportSpec(
    name="authorizations",
    columns=[
        Column("employee_id", parse=employee_id_field, required=True),
        Column("method_code", parse=text_field(max_length=40), required=True),
        Column("authorized_on", parse=date_field, required=True),
        Column("authorized_by", parse=email_field, required=True),
        Column("expires_on", parse=date_field),
    ],
    unique=[("employee_id", "method_code", "authorized_on")],
    check_row=check_authorization_row,
    check_rows=check_authorization_rows,
    apply=apply_authorizations,
    preview=_preview,
)


# --- the registered kinds ---------------------------------------------------------------------


def _runner(spec: ImportSpec):
    def run(
        source: str | os.PathLike[str] | Upload,
        *,
        date_format: str | None = None,
        apply: bool = True,
        by=None,
    ) -> ImportResult:
        return _run(spec, source, date_format=date_format, apply=apply, by=by)

    return run


run_staff = _runner(STAFF)
run_requirements = _runner(REQUIREMENTS)
run_training = _runner(TRAINING)
run_competence = _runner(COMPETENCE)
run_authorizations = _runner(AUTHORIZATIONS)


def _columns(spec: ImportSpec) -> str:
    return ",".join(spec.column_names)


KINDS = [
    ImportKind("staff", "Staff", _columns(STAFF), Permission.PERSONNEL_MANAGE, run_staff, 10),
    ImportKind(
        "requirements",
        "Job role requirements",
        _columns(REQUIREMENTS),
        Permission.PERSONNEL_MANAGE,
        run_requirements,
        20,
    ),
    ImportKind(
        "training",
        "Training records",
        _columns(TRAINING),
        Permission.PERSONNEL_MANAGE,
        run_training,
        30,
    ),
    ImportKind(
        "competence",
        "Competence assessments",
        _columns(COMPETENCE),
        Permission.PERSONNEL_MANAGE,
        run_competence,
        40,
    ),
    ImportKind(
        "authorizations",
        "Authorizations",
        _columns(AUTHORIZATIONS),
        Permission.PERSONNEL_AUTHORIZE,
        run_authorizations,
        50,
    ),
]

for _kind in KINDS:
    register_import(_kind)
