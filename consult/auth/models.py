"""Staff accounts. Citizens never have accounts; staff sign in with e-mail and password."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..i18n import utcnow

ROLES = ("facilitator", "secretariat", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # NFKC, lower-cased
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until_utc: Mapped[datetime | None]
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at_utc: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard scheme.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class StaffAssignment(db.Model):
    """A staff member assigned to a consultation. Someone with no assignment works on every
    consultation (a small city's secretariat); once assigned, only on those (admins: always all)."""

    __tablename__ = "staff_assignment"
    __table_args__ = (UniqueConstraint("user_id", "consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
