"""Who works at the demo lab. Each domain's loader adds its own records on top of these people."""

from __future__ import annotations

from dataclasses import dataclass

LAB_NAME = "Meridian Component Test Laboratory"
DEMO_PASSWORD = "Meridian-demo-2026"  # noqa: S105  (published in the README on purpose)
DOMAIN = "meridian-lab.example"


@dataclass(frozen=True)
class DemoPerson:
    employee_id: str
    name: str
    job_title: str
    roles: tuple[str, ...]

    @property
    def email(self) -> str:
        first, *rest = self.name.lower().split()
        return f"{first}.{rest[-1]}@{DOMAIN}"


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("E1001", "Dana Whitfield", "Quality Manager", ("quality_manager",)),
    DemoPerson("E1002", "Samir Haddad", "IT and Systems Administrator", ("admin",)),
    DemoPerson("E1003", "Grace Okafor", "Laboratory Director", ("quality_manager", "staff")),
    DemoPerson("E1004", "Luis Ortega", "Senior Counterfeit Inspection Technician", ("staff",)),
    DemoPerson("E1005", "Mei Lin Zhou", "Counterfeit Inspection Technician", ("staff",)),
    DemoPerson("E1006", "Tomasz Nowak", "Counterfeit Inspection Technician", ("staff",)),
    DemoPerson("E1007", "Priya Raman", "X-ray and XRF Analyst", ("staff",)),
    DemoPerson("E1008", "Jamal Carter", "Electrical Test Engineer", ("staff",)),
    DemoPerson("E1009", "Hannah Becker", "Electrical Test Technician", ("staff",)),
    DemoPerson("E1010", "Kenji Watanabe", "Acoustic Microscopy Analyst", ("staff",)),
    DemoPerson("E1011", "Aisha Bello", "Decapsulation Technician", ("staff",)),
    DemoPerson("E1012", "Oliver Grant", "Receiving Inspector", ("staff",)),
    DemoPerson("E1013", "Sofia Marin", "Metrology Technician", ("staff",)),
    DemoPerson("E1014", "Rachel Stein", "Internal Auditor", ("auditor", "staff")),
    DemoPerson("E1015", "Victor Alvarez", "ANAB Assessor (external)", ("auditor",)),
)

# The AS6171 methods on the demo lab's scope of accreditation (the scope issue makes them records).
SCOPE_METHODS: tuple[tuple[str, str], ...] = (
    ("AS6171/2", "External visual inspection, remarking and resurfacing"),
    ("AS6171/3", "X-ray fluorescence (XRF)"),
    ("AS6171/4", "Delid / decapsulation physical analysis"),
    ("AS6171/5", "Radiological (real-time X-ray) inspection"),
    ("AS6171/6", "Acoustic microscopy (C-SAM)"),
    ("AS6171/7", "Electrical test"),
    ("AS6171/8", "Raman spectroscopy"),
    ("AS6171/9", "Fourier transform infrared spectroscopy (FTIR)"),
)
