"""The training matrix: people x required training, one status per cell, in a fixed number of
queries however many people there are.

The rules, in one place:
- a course is current when its latest record has not expired (no expiry: current for good);
- a controlled document counts only on its CURRENT (effective) revision: a training record on
  that revision, or an acknowledgement of it ("read and understood"), whichever is later;
  training on an older revision only is "expired";
- expired: the day after `expires_on`; due: expiring within DUE_SOON_DAYS of the as-of date;
- corrected records never count (their correction does); records after the as-of date neither.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from compliance.dates import add_months
from compliance.documents.models import AcknowledgementTask, Document, Revision, RevisionState
from compliance.extensions import db
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    ItemKind,
    JobRole,
    JobRoleRequirement,
    Person,
    PersonJobRole,
    TrainingItem,
    TrainingRecord,
)
from compliance.scope.models import Method
from compliance.users.models import User

DUE_SOON_DAYS = 30


class CellStatus(enum.StrEnum):
    CURRENT = "current"
    DUE = "due"
    EXPIRED = "expired"
    MISSING = "missing"
    NOT_REQUIRED = "not_required"

    @property
    def label(self) -> str:
        return {
            "current": "current",
            "due": f"due in {DUE_SOON_DAYS} days",
            "expired": "expired",
            "missing": "missing",
            "not_required": "not required",
        }[self.value]

    @property
    def tone(self) -> str:
        return {
            "current": "success",
            "due": "warning",
            "expired": "danger",
            "missing": "danger",
            "not_required": "light",
        }[self.value]

    @property
    def is_gap(self) -> bool:
        return self in (CellStatus.EXPIRED, CellStatus.MISSING)


_DOCUMENT = ItemKind.DOCUMENT.value


def status_of(expires_on: dt.date | None, as_of: dt.date) -> CellStatus:
    """Current, due within DUE_SOON_DAYS, or expired (valid up to and including expires_on)."""
    if expires_on is None:
        return CellStatus.CURRENT
    if as_of > expires_on:
        return CellStatus.EXPIRED
    if expires_on <= as_of + dt.timedelta(days=DUE_SOON_DAYS):
        return CellStatus.DUE
    return CellStatus.CURRENT


@dataclass(frozen=True)
class Cell:
    status: CellStatus
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None
    note: str = ""
    required: bool = True

    def text(self) -> str:
        """The cell as an export shows it, e.g. "due 2026-12-01" or "missing"."""
        if self.status in (CellStatus.CURRENT, CellStatus.DUE) and self.expires_on:
            word = "current to" if self.status is CellStatus.CURRENT else "due"
            shown = f"{word} {self.expires_on.isoformat()}"
        elif self.status is CellStatus.EXPIRED and self.expires_on:
            shown = f"expired {self.expires_on.isoformat()}"
        else:
            shown = self.status.label
        return f"{shown} ({self.note})" if self.note else shown


@dataclass(frozen=True)
class ItemColumn:
    id: int
    kind: str
    label: str  # course code or document number
    title: str
    retrain_interval_months: int | None
    document_id: int | None = None
    current_revision_id: int | None = None
    current_revision_label: str | None = None

    @property
    def heading(self) -> str:
        if self.kind == ItemKind.DOCUMENT.value:
            revision = self.current_revision_label or "none effective"
            return f"{self.label} (Rev {revision})"
        return self.label


@dataclass
class MatrixRow:
    person: Person
    job_roles: list[str]
    cells: list[Cell]

    def count(self, status: CellStatus) -> int:
        return sum(1 for cell in self.cells if cell.required and cell.status is status)

    @property
    def gaps(self) -> int:
        return sum(1 for cell in self.cells if cell.required and cell.status.is_gap)


@dataclass
class Matrix:
    as_of: dt.date
    columns: list[ItemColumn]
    rows: list[MatrixRow] = field(default_factory=list)


# --- the queries ------------------------------------------------------------------------------


def person_login():
    """Join condition from Person to their login: the linked account, or the same e-mail."""
    return or_(
        Person.user_id == User.id,
        and_(Person.user_id.is_(None), Person.email.is_not(None), Person.email == User.email),
    )


def memberships(person_ids) -> dict[int, list[tuple[int, str]]]:
    """Job roles (id, name) per person, in one query; `person_ids` is a list or a subquery."""
    rows = db.session.execute(
        select(PersonJobRole.person_id, JobRole.id, JobRole.name)
        .join(JobRole, JobRole.id == PersonJobRole.job_role_id)
        .where(PersonJobRole.person_id.in_(person_ids))
        .order_by(JobRole.name)
    )
    held: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for person_id, role_id, name in rows:
        held[person_id].append((role_id, name))
    return held


def requirements_by_role() -> dict[int, set[int]]:
    held: dict[int, set[int]] = defaultdict(set)
    for role_id, item_id in db.session.execute(
        select(JobRoleRequirement.job_role_id, JobRoleRequirement.training_item_id)
    ):
        held[role_id].add(item_id)
    return held


def item_columns(item_ids: Collection[int] | None = None) -> list[ItemColumn]:
    """Training items with their document's current revision (all required items if None)."""
    current = aliased(Revision)
    stmt = (
        select(
            TrainingItem.id,
            TrainingItem.kind,
            TrainingItem.code,
            TrainingItem.title,
            TrainingItem.retrain_interval_months,
            Document.id,
            Document.number,
            Document.title,
            current.id,
            current.label,
        )
        .outerjoin(Document, Document.id == TrainingItem.document_id)
        .outerjoin(
            current,
            and_(
                current.document_id == Document.id,
                current.state == RevisionState.EFFECTIVE.value,
            ),
        )
    )
    if item_ids is None:
        stmt = stmt.where(
            TrainingItem.id.in_(select(JobRoleRequirement.training_item_id).distinct())
        )
    else:
        stmt = stmt.where(TrainingItem.id.in_(list(item_ids)))
    columns = [
        ItemColumn(
            id=item_id,
            kind=kind,
            label=number if kind == ItemKind.DOCUMENT.value else code,
            title=doc_title if kind == ItemKind.DOCUMENT.value else title,
            retrain_interval_months=interval,
            document_id=document_id,
            current_revision_id=revision_id,
            current_revision_label=revision_label,
        )
        for (
            item_id,
            kind,
            code,
            title,
            interval,
            document_id,
            number,
            doc_title,
            revision_id,
            revision_label,
        ) in db.session.execute(stmt)
    ]
    # Courses first, then documents; each by code or number.
    return sorted(columns, key=lambda c: (c.kind != ItemKind.COURSE.value, c.label))


def current_records_stmt():
    """Training records that have not been corrected by a later record."""
    correction = aliased(TrainingRecord)
    return select(TrainingRecord).where(
        ~select(correction.id).where(correction.corrects_id == TrainingRecord.id).exists()
    )


def _records(person_ids, item_ids: list[int], as_of: dt.date):
    correction = aliased(TrainingRecord)
    return db.session.execute(
        select(
            TrainingRecord.person_id,
            TrainingRecord.training_item_id,
            TrainingRecord.revision_id,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            TrainingRecord.id,
        ).where(
            TrainingRecord.person_id.in_(person_ids),
            TrainingRecord.training_item_id.in_(item_ids),
            TrainingRecord.completed_on <= as_of,
            ~select(correction.id).where(correction.corrects_id == TrainingRecord.id).exists(),
        )
    )


def acknowledgements(person_ids, revision_ids: list[int], as_of: dt.date):
    """(person id, revision id, acknowledged date) for acknowledgements made by `as_of`."""
    if not revision_ids:
        return []
    people_by_login = logins(person_ids)
    rows = db.session.execute(
        select(
            AcknowledgementTask.user_id,
            AcknowledgementTask.revision_id,
            AcknowledgementTask.acknowledged_at,
        ).where(
            AcknowledgementTask.user_id.in_(list(people_by_login)),
            AcknowledgementTask.revision_id.in_(revision_ids),
            AcknowledgementTask.acknowledged_at.is_not(None),
        )
    )
    found = []
    for user_id, revision_id, acknowledged_at in rows:
        day = acknowledged_at.date()
        if day <= as_of:
            found.extend((person_id, revision_id, day) for person_id in people_by_login[user_id])
    return found


def logins(person_ids) -> dict[int, list[int]]:
    """Each login's people among `person_ids` (see person_login), in two indexed queries: the
    OR of person_login as a join condition makes both databases compare every pair."""
    found: dict[int, list[int]] = defaultdict(list)
    linked = select(Person.user_id, Person.id).where(
        Person.id.in_(person_ids), Person.user_id.is_not(None)
    )
    same_email = (
        select(User.id, Person.id)
        .join(User, User.email == Person.email)
        .where(Person.id.in_(person_ids), Person.user_id.is_(None), Person.email.is_not(None))
    )
    for stmt in (linked, same_email):
        for user_id, person_id in db.session.execute(stmt):
            found[user_id].append(person_id)
    return found


# --- the computation --------------------------------------------------------------------------


@dataclass
class _Evidence:
    completed_on: dt.date
    expires_on: dt.date | None
    note: str = ""


def _later(a: _Evidence | None, b: _Evidence) -> _Evidence:
    return b if a is None or b.completed_on >= a.completed_on else a


def evidence_by_cell(
    person_ids, columns: Sequence[ItemColumn], as_of: dt.date
) -> tuple[dict[tuple[int, int], _Evidence], dict[tuple[int, int], str]]:
    """Best current evidence per (person, item), and for document items trained only on an
    older revision, the label of that revision. Two queries."""
    by_id = {c.id: c for c in columns}
    best: dict[tuple[int, int], _Evidence] = {}
    older: dict[tuple[int, int], str] = {}
    if not columns:
        return best, older
    older_ids: dict[tuple[int, int], int] = {}
    # Tens of thousands of records in a large lab: keep the loop to plain comparisons.
    document_revision = {c.id: c.current_revision_id for c in columns if c.kind == _DOCUMENT}
    for person_id, item_id, revision_id, completed_on, expires_on, _record_id in _records(
        person_ids, list(by_id), as_of
    ):
        key = (person_id, item_id)
        if item_id in document_revision and revision_id != document_revision[item_id]:
            older_ids[key] = revision_id  # a document's earlier revision: not current training
            continue
        held = best.get(key)
        if held is None or completed_on >= held.completed_on:
            best[key] = _Evidence(completed_on, expires_on)
    by_revision = {c.current_revision_id: c for c in columns if c.current_revision_id}
    for person_id, revision_id, day in acknowledgements(person_ids, list(by_revision), as_of):
        column = by_revision[revision_id]
        interval = column.retrain_interval_months
        expires = add_months(day, interval) if interval else None
        key = (person_id, column.id)
        best[key] = _later(best.get(key), _Evidence(day, expires, "acknowledged"))
    if older_ids:
        labels = dict(
            db.session.execute(
                select(Revision.id, Revision.label).where(Revision.id.in_(set(older_ids.values())))
            ).all()
        )
        older = {key: labels.get(rid, "?") for key, rid in older_ids.items()}
    return best, older


def cell_for(
    column: ItemColumn,
    evidence: _Evidence | None,
    older_label: str | None,
    as_of: dt.date,
    required: bool,
) -> Cell:
    if evidence is not None:
        status = status_of(evidence.expires_on, as_of)
        return Cell(
            status if required else CellStatus.NOT_REQUIRED,
            evidence.completed_on,
            evidence.expires_on,
            evidence.note,
            required,
        )
    if not required:
        return Cell(CellStatus.NOT_REQUIRED, required=False)
    if column.kind == _DOCUMENT:
        if column.current_revision_id is None:
            return Cell(CellStatus.MISSING, note="no effective revision to train on")
        if older_label is not None:
            return Cell(
                CellStatus.EXPIRED,
                note=(
                    f"trained on Rev {older_label}; current is Rev {column.current_revision_label}"
                ),
            )
    return Cell(CellStatus.MISSING)


def build_matrix(
    people: Sequence[Person],
    *,
    as_of: dt.date,
    columns: Sequence[ItemColumn] | None = None,
    person_ids=None,
) -> Matrix:
    """The matrix for `people` (already loaded, e.g. one page) as of a date.

    `columns` defaults to every item some job role requires. `person_ids` may be a subquery
    selecting the same people (cheaper than a long IN list for exports). Five queries at most,
    whatever the number of people.
    """
    ids = person_ids if person_ids is not None else [p.id for p in people]
    if columns is None:
        columns = item_columns()
    matrix = Matrix(as_of=as_of, columns=list(columns))
    if not people:
        return matrix
    held = memberships(ids)
    required_by_role = requirements_by_role()
    best, older = evidence_by_cell(ids, matrix.columns, as_of)
    for person in people:
        roles = held.get(person.id, [])
        required = _required_items(roles, required_by_role)
        cells = [
            cell_for(
                column,
                best.get((person.id, column.id)),
                older.get((person.id, column.id)),
                as_of,
                column.id in required,
            )
            for column in matrix.columns
        ]
        matrix.rows.append(MatrixRow(person, [name for _, name in roles], cells))
    return matrix


def _required_items(roles, required_by_role: dict[int, set[int]]) -> set[int]:
    return set().union(*(required_by_role.get(role_id, set()) for role_id, _ in roles))


def required_cells(
    people: Sequence[Person], *, as_of: dt.date, person_ids=None
) -> Iterator[tuple[MatrixRow, ItemColumn, Cell]]:
    """Only the cells some job role requires, person by person: the gap rules' view of the
    matrix, without building the (much larger) not-required part. Same queries and same
    statuses as build_matrix."""
    ids = person_ids if person_ids is not None else [p.id for p in people]
    if not people:
        return
    columns = item_columns()
    held = memberships(ids)
    required_by_role = requirements_by_role()
    best, older = evidence_by_cell(ids, columns, as_of)
    # Each person's few required columns, in column order: not every column for every person.
    position = {column.id: (i, column) for i, column in enumerate(columns)}
    for person in people:
        roles = held.get(person.id, [])
        required = sorted(
            position[i] for i in _required_items(roles, required_by_role) if i in position
        )
        if not required:
            continue
        row = MatrixRow(person, [name for _, name in roles], [])
        for _, column in required:
            key = (person.id, column.id)
            cell = cell_for(column, best.get(key), older.get(key), as_of, True)
            row.cells.append(cell)
            yield row, column, cell


def columns_for_job_role(job_role_id: int) -> list[ItemColumn]:
    item_ids = db.session.scalars(
        select(JobRoleRequirement.training_item_id).where(
            JobRoleRequirement.job_role_id == job_role_id
        )
    ).all()
    return item_columns(item_ids)


def export_rows(matrix: Matrix) -> tuple[list[str], Iterable[list]]:
    header = ["employee_id", "name", "job_roles", *[c.heading for c in matrix.columns]]
    rows = (
        [
            row.person.employee_id,
            row.person.name,
            "; ".join(row.job_roles),
            *[cell.text() for cell in row.cells],
        ]
        for row in matrix.rows
    )
    return header, rows


# --- which people the matrix page shows -------------------------------------------------------


@dataclass
class MatrixFilters:
    job_role_id: int | None = None
    method_id: int | None = None
    q: str = ""
    include_left: bool = False


def method_people(method_id: int):
    """Ids of people tied to a method: authorized, assessed, or required to train on its
    procedure by one of their job roles."""
    procedure_item = (
        select(TrainingItem.id)
        .join(Method, Method.procedure_id == TrainingItem.document_id)
        .where(Method.id == method_id)
    )
    by_role = (
        select(PersonJobRole.person_id)
        .join(JobRoleRequirement, JobRoleRequirement.job_role_id == PersonJobRole.job_role_id)
        .where(JobRoleRequirement.training_item_id.in_(procedure_item))
    )
    return (
        select(Authorization.person_id)
        .where(Authorization.method_id == method_id)
        .union(
            select(CompetenceAssessment.person_id).where(
                CompetenceAssessment.method_id == method_id
            ),
            by_role,
        )
    )


def people_query(filters: MatrixFilters, as_of: dt.date):
    """The people the matrix shows, by name."""
    stmt = select(Person)
    if not filters.include_left:
        stmt = stmt.where(Person.active_on_clause(as_of))
    if filters.job_role_id:
        stmt = stmt.where(
            Person.id.in_(
                select(PersonJobRole.person_id).where(
                    PersonJobRole.job_role_id == filters.job_role_id
                )
            )
        )
    if filters.method_id:
        stmt = stmt.where(Person.id.in_(method_people(filters.method_id)))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Person.name).like(like), func.lower(Person.employee_id).like(like))
        )
    return stmt.order_by(Person.name, Person.employee_id)


def columns_for(filters: MatrixFilters) -> list[ItemColumn]:
    """The items the page shows: a job role's requirements, a method's procedure, or every
    required item."""
    if filters.method_id:
        item_ids = db.session.scalars(
            select(TrainingItem.id)
            .join(Method, Method.procedure_id == TrainingItem.document_id)
            .where(Method.id == filters.method_id)
        ).all()
        return item_columns(item_ids)
    if filters.job_role_id:
        return columns_for_job_role(filters.job_role_id)
    return item_columns()
