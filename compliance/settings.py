"""Small lab-wide settings a quality manager changes in the app (assessment date, due-soon window).

Kept apart from any one domain so that every domain may read them.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from compliance.extensions import db


class LabSetting(db.Model):
    __tablename__ = "lab_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
