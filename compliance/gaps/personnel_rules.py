"""Gap rules on people: required training (6.2.2, 6.2.5) and authorization (6.2.6)."""

from __future__ import annotations
