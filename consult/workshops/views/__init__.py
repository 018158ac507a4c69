"""Ward workshops on the web, on the one ``workshops`` blueprint: the facilitator console under
/staff/workshops/… (staff.py) and the phones under /w/… (phone.py)."""

from . import phone, staff  # noqa: F401
