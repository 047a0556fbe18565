"""Gap rules on equipment, calibration and external providers (6.4, 6.5, 6.6)."""

from __future__ import annotations
