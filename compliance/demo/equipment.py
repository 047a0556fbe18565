"""The demo lab's equipment: the instruments behind the AS6171 methods, with years of calibration
history, and the problems an assessor would find (one item overdue, one due before the next
assessment, an out-of-tolerance result under assessment, a provider whose accreditation lapsed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from compliance.dates import add_months
from compliance.demo.lab import DEMO_PASSWORD, SCOPE_METHODS
from compliance.equipment import services
from compliance.equipment.models import Equipment, Provider
from compliance.equipment.services import CalibrationInput
from compliance.extensions import db
from compliance.scope.models import Method

QM, METROLOGY = "E1001", "E1013"
HISTORY_YEARS = 4


@dataclass(frozen=True)
class Instrument:
    asset_id: str
    description: str
    equipment_type: str
    manufacturer: str
    model: str
    serial_number: str
    firmware_version: str
    location: str
    custodian: str  # employee id
    interval: int  # months
    check_interval: int | None
    methods: tuple[str, ...]
    provider: str | None  # None: calibrated in-house
    acceptance: str
    uncertainty: str
    # Days from today to the next due date (negative: overdue).
    due_in_days: int


PROVIDERS = (
    {
        "name": "Precision Metrology Services",
        "accreditation_body": "ANAB",
        "accreditation_number": "AC-1187",
        "expires_in_days": 410,
        "scope": "Dimensional, mass, DC and low-frequency electrical, optical magnification.",
        "evaluation_notes": "Annual evaluation: on-time delivery, certificates complete with "
        "as-found/as-left data and uncertainties. No complaints.",
    },
    {
        "name": "Spectra Calibration Laboratories",
        "accreditation_body": "A2LA",
        "accreditation_number": "2931.01",
        "expires_in_days": 190,
        "scope": "X-ray fluorescence spectrometers, radiographic systems (kV, mA, resolution), "
        "Raman and FTIR wavenumber scales.",
        "evaluation_notes": "Evaluated on site visit. Reference materials traceable to NIST.",
    },
    {
        "name": "Northgate Instruments Calibration",
        "accreditation_body": "ANAB",
        "accreditation_number": "AC-0452",
        # Lapsed: the lab has not yet re-evaluated or replaced the provider.
        "expires_in_days": -75,
        "scope": "Temperature and humidity: environmental chambers and data loggers.",
        "evaluation_notes": "Accreditation renewal was pending at the last evaluation; ask for "
        "the new certificate before the next order.",
    },
)

INSTRUMENTS = (
    Instrument(
        "EQ-XRF-01",
        "Handheld XRF analyser",
        "XRF analyser",
        "Thermo Fisher Scientific",
        "Niton XL5 Plus",
        "XL5-104877",
        "NDT 10.2.1",
        "XRF room",
        "E1007",
        12,
        1,
        ("AS6171/3",),
        "Spectra Calibration Laboratories",
        "Lead-free solder alloy CRM reads Sn, Pb, Ag, Cu within the certified ranges.",
        "±0.05 wt% Pb at 0.1 wt% (k=2)",
        160,
    ),
    Instrument(
        "EQ-XRAY-01",
        "Real-time X-ray inspection system",
        "X-ray system",
        "Nordson Dage",
        "Quadra 7",
        "Q7-22-0391",
        "Gensys 2.4",
        "X-ray room",
        "E1007",
        12,
        None,
        ("AS6171/5",),
        "Spectra Calibration Laboratories",
        "Resolves 0.5 µm features on the JIMA test chart; tube kV within ±2 %.",
        "±1.5 % kV, ±0.1 µm resolution (k=2)",
        230,
    ),
    Instrument(
        "EQ-CSAM-01",
        "Scanning acoustic microscope (C-SAM)",
        "Acoustic microscope",
        "Nordson Sonoscan",
        "Gen7",
        "G7-1188",
        "Sonolytics 5.3",
        "Acoustics lab",
        "E1010",
        12,
        3,
        ("AS6171/6",),
        "Precision Metrology Services",
        "Detects the 50 µm delamination of reference package RP-CSAM-2 at 50 MHz.",
        "±2 µm depth (k=2)",
        95,
    ),
    Instrument(
        "EQ-CT-01",
        "Analog signature analyser (curve tracer)",
        "Curve tracer",
        "Huntron",
        "Tracker 3200S",
        "32S-5521",
        "Workstation 4.1",
        "Electrical test bench",
        "E1008",
        12,
        None,
        ("AS6171/7",),
        "Precision Metrology Services",
        "Voltage ±1 % of range, current ±2 % of range at each test level.",
        "±0.4 % of reading (k=2)",
        350,
    ),
    Instrument(
        "EQ-STM-01",
        "Stereo zoom microscope with graticule",
        "Stereo microscope",
        "Leica",
        "M205 C",
        "M205-88112",
        "",
        "Inspection bench 1",
        "E1004",
        24,
        6,
        ("AS6171/2", "AS6171/4"),
        None,
        "Graticule reads the stage micrometer within ±1 division at 10x and 40x.",
        "±2 µm (k=2)",
        300,
    ),
    Instrument(
        "EQ-STM-02",
        "Stereo zoom microscope with camera",
        "Stereo microscope",
        "Olympus",
        "SZX16",
        "SZX-40217",
        "",
        "Inspection bench 2",
        "E1005",
        24,
        6,
        ("AS6171/2",),
        None,
        "Graticule reads the stage micrometer within ±1 division at 10x and 40x.",
        "±2 µm (k=2)",
        420,
    ),
    Instrument(
        "EQ-STM-03",
        "Stereo microscope (receiving)",
        "Stereo microscope",
        "Nikon",
        "SMZ800N",
        "SMZ-11902",
        "",
        "Receiving",
        "E1012",
        24,
        6,
        ("AS6171/2",),
        None,
        "Graticule reads the stage micrometer within ±1 division at 10x.",
        "±3 µm (k=2)",
        510,
    ),
    Instrument(
        "EQ-SEM-01",
        "Tabletop scanning electron microscope",
        "SEM",
        "Hitachi",
        "TM4000Plus II",
        "TM4-20-3371",
        "TM4000 3.1",
        "SEM lab",
        "E1011",
        12,
        None,
        ("AS6171/2", "AS6171/4"),
        "Precision Metrology Services",
        "Magnification within ±3 % on the certified pitch standard at 1000x and 5000x.",
        "±1.2 % magnification (k=2)",
        130,
    ),
    Instrument(
        "EQ-RAM-01",
        "Raman microscope, 785 nm",
        "Raman spectrometer",
        "Renishaw",
        "inVia Qontor",
        "QON-7731",
        "WiRE 5.6",
        "Spectroscopy lab",
        "E1007",
        12,
        None,
        ("AS6171/8",),
        "Spectra Calibration Laboratories",
        "Silicon band at 520.7 cm-1 within ±1 cm-1; polystyrene bands within ±2 cm-1.",
        "±0.6 cm-1 Raman shift (k=2)",
        200,
    ),
    Instrument(
        "EQ-FTIR-01",
        "FTIR spectrometer with diamond ATR",
        "FTIR spectrometer",
        "Bruker",
        "ALPHA II",
        "A2-18844",
        "OPUS 8.7",
        "Spectroscopy lab",
        "E1008",
        12,
        None,
        ("AS6171/9",),
        "Spectra Calibration Laboratories",
        "Polystyrene film NIST SRM 1921 bands within ±1 cm-1; 100 % line within ±1 %.",
        "±0.4 cm-1 wavenumber (k=2)",
        140,
    ),
    Instrument(
        "EQ-BAL-01",
        "Analytical balance",
        "Balance",
        "Mettler Toledo",
        "XPR205",
        "B947733812",
        "2.1.4",
        "Decapsulation lab",
        "E1011",
        12,
        1,
        ("AS6171/4",),
        "Precision Metrology Services",
        "Reads E2 check weights within ±0.2 mg from 10 mg to 200 g.",
        "±0.08 mg at 100 g (k=2)",
        # Due before the next assessment: the QM must book it now.
        45,
    ),
    Instrument(
        "EQ-CAL-01",
        "Digital calipers 0-150 mm",
        "Calipers",
        "Mitutoyo",
        "500-196-30",
        "13005621",
        "",
        "Receiving",
        "E1012",
        12,
        None,
        ("AS6171/2",),
        "Precision Metrology Services",
        "Gauge blocks 10, 50 and 100 mm read within ±0.02 mm.",
        "±0.01 mm (k=2)",
        # Overdue: shows "overdue - do not use" everywhere.
        -12,
    ),
    Instrument(
        "EQ-ENV-01",
        "Temperature and humidity chamber",
        "Environmental chamber",
        "ESPEC",
        "SH-242",
        "SH242-93380",
        "Controller 1.08",
        "Electrical test bench",
        "E1008",
        12,
        None,
        ("AS6171/7",),
        "Northgate Instruments Calibration",
        "Uniformity ±0.5 °C and ±3 %RH at the working points.",
        "±0.3 °C, ±2.5 %RH (k=2)",
        # Calibrated after the provider's accreditation lapsed: not traceable.
        315,
    ),
)


def ensure_methods() -> dict[str, Method]:
    """The scope's methods by code; the demo scope is created if another loader has not."""
    if not db.session.scalar(select(func.count()).select_from(Method)):
        for code, title in SCOPE_METHODS:
            db.session.add(Method(code=code, title=title, technique=title.split(" (")[0]))
        db.session.flush()
    return {m.code: m for m in db.session.scalars(select(Method))}


def _providers(today: dt.date, by) -> dict[str, Provider]:
    providers = {}
    for spec in PROVIDERS:
        fields = {k: v for k, v in spec.items() if k != "expires_in_days"}
        providers[spec["name"]] = services.create_provider(
            by=by,
            accreditation_expires_on=today + dt.timedelta(days=spec["expires_in_days"]),
            evaluated_on=today - dt.timedelta(days=200),
            **fields,
        )
    return providers


def _history(
    item: Equipment, spec: Instrument, today: dt.date, providers, accounts
) -> tuple[int, int]:
    """Calibrations from HISTORY_YEARS ago to the latest (due `due_in_days` from today)."""
    latest_on = add_months(today + dt.timedelta(days=spec.due_in_days), -spec.interval)
    dates = []
    day = latest_on
    while day > add_months(today, -12 * HISTORY_YEARS):
        dates.append(day)
        day = add_months(day, -spec.interval)
    provider = providers.get(spec.provider) if spec.provider else None
    by = accounts[QM] if provider else accounts[METROLOGY]
    events = 0
    for index, day in enumerate(reversed(dates)):
        out_of_tolerance = spec.asset_id == "EQ-CT-01" and day == latest_on
        earlier_drift = spec.asset_id == "EQ-XRF-01" and index == 1
        found = "out" if out_of_tolerance or earlier_drift else "in"
        if provider:
            number = f"{provider.name[:4].upper()}-{day.year}-{1000 + 37 * index}"
        else:
            number = f"IH-{spec.asset_id}-{day.year}"
        services.record_calibration(
            item,
            CalibrationInput(
                calibrated_on=day,
                as_found=found,
                as_left="adjusted" if found == "out" else "in",
                provider=provider,
                procedure="" if provider else "QP-6.4-03 Verification of optical magnification",
                certificate_number=number,
                uncertainty=spec.uncertainty,
                traceability=(
                    f"Traceable to SI through NIST; {provider.accreditation_body} accredited "
                    f"certificate {number}."
                    if provider
                    else "Stage micrometer SM-01, calibrated by Precision Metrology Services "
                    "(ANAB AC-1187), traceable to SI through NIST."
                ),
            ),
            by=by,
        )
        events += 1
    return events, len(dates)


def load_equipment(accounts: dict, today: dt.date, *, by=None) -> str:
    """Providers, instruments, calibration history, checks, maintenance and one open and one
    closed out-of-tolerance impact assessment."""
    qm = accounts[QM]
    by = by or qm
    methods = ensure_methods()
    providers = _providers(today, by)
    items: dict[str, Equipment] = {}
    calibrations = 0
    for spec in INSTRUMENTS:
        items[spec.asset_id] = services.create_equipment(
            asset_id=spec.asset_id,
            description=spec.description,
            equipment_type=spec.equipment_type,
            manufacturer=spec.manufacturer,
            model=spec.model,
            serial_number=spec.serial_number,
            firmware_version=spec.firmware_version,
            location=spec.location,
            custodian=accounts.get(spec.custodian),
            calibration_required=True,
            calibration_interval_months=spec.interval,
            check_interval_months=spec.check_interval,
            acceptance_criteria=spec.acceptance,
            methods=[methods[c] for c in spec.methods if c in methods],
            by=by,
        )
        calibrations += _history(items[spec.asset_id], spec, today, providers, accounts)[0]

    _checks(items, today, accounts)
    _maintenance(items, today, accounts, by)
    _assessments(items, accounts, today)
    _correction(items["EQ-SEM-01"], by)
    services.create_equipment(
        asset_id="EQ-STM-00",
        description="Stereo microscope (replaced by EQ-STM-02)",
        equipment_type="Stereo microscope",
        manufacturer="Bausch & Lomb",
        model="StereoZoom 7",
        location="Storage",
        calibration_required=False,
        status="retired",
        by=by,
    )
    return f"{len(items) + 1} instruments, {calibrations} calibrations, {len(providers)} providers"


def _checks(items: dict[str, Equipment], today: dt.date, accounts) -> None:
    plans = (
        ("EQ-BAL-01", "E1011", "E2 check weight set CW-01 (10 mg, 1 g, 100 g)", 6, 28, 3),
        ("EQ-XRF-01", "E1007", "Certified reference alloy CRM-XRF-07 (SnPb 63/37)", 6, 30, 9),
        ("EQ-STM-01", "E1004", "Stage micrometer SM-01", 2, 180, 40),
        ("EQ-STM-02", "E1005", "Stage micrometer SM-01", 2, 180, 70),
        # The acoustic microscope's quarterly check is overdue (CHECK-OVERDUE).
        ("EQ-CSAM-01", "E1010", "Reference package RP-CSAM-2", 3, 91, 100),
    )
    for asset_id, who, reference, count, spacing, latest_days_ago in plans:
        for n in reversed(range(count)):
            services.record_check(
                items[asset_id],
                performed_on=today - dt.timedelta(days=latest_days_ago + n * spacing),
                result="pass",
                reference=reference,
                details="Within the acceptance criteria.",
                performed_by=accounts[who],
                by=accounts[who],
            )


def _maintenance(items: dict[str, Equipment], today: dt.date, accounts, by) -> None:
    services.record_maintenance(
        items["EQ-XRAY-01"],
        kind="repair",
        performed_on=today - dt.timedelta(days=410),
        description="X-ray tube filament replaced by Nordson Dage field service; verified with "
        "the JIMA chart before use.",
        performed_by="Nordson Dage field service",
        by=accounts["E1007"],
    )
    services.record_maintenance(
        items["EQ-CSAM-01"],
        kind="maintenance",
        performed_on=today - dt.timedelta(days=60),
        description="Transducer cleaned, water tank drained and refilled, filters replaced.",
        performed_by="Kenji Watanabe",
        by=accounts["E1010"],
    )
    stm = items["EQ-STM-03"]
    services.record_maintenance(
        stm,
        kind="damage",
        performed_on=today - dt.timedelta(days=2),
        description="Dropped while moving the bench; zoom drive stiff, graticule may be displaced.",
        performed_by="Oliver Grant",
        by=accounts["E1012"],
    )
    services.change_status(
        stm,
        "quarantined",
        by=by,
        reason="Damaged (dropped): not to be used until the graticule is verified.",
    )


def _assessments(items: dict[str, Equipment], accounts, today: dt.date) -> None:
    """The curve tracer's open assessment; the XRF's earlier one, assessed and closed."""
    for assessment in services.assessments_of(items["EQ-CT-01"]):
        services.update_impact_assessment(
            assessment,
            by=accounts[QM],
            assessor=accounts["E1008"],
            conclusion="",
            actions="Listing the electrical test reports issued since the last in-tolerance "
            "calibration; re-test retained samples where the margin was under 2 %.",
            methods=assessment.methods,
            period_start=assessment.period_start,
        )
    for assessment in services.assessments_of(items["EQ-XRF-01"]):
        services.update_impact_assessment(
            assessment,
            by=accounts[QM],
            assessor=accounts["E1007"],
            conclusion="As-found Pb reading 4 % high at 0.1 wt%, still inside the 0.1 wt% "
            "decision limit margin used in AS6171/3 reports: no result changed.",
            actions="No recall needed. Monthly CRM check frequency kept; drift trend added to "
            "the check record.",
            methods=assessment.methods,
            period_start=assessment.period_start,
        )
        services.close_impact_assessment(
            assessment, by=accounts[QM], password=DEMO_PASSWORD, comment="Reviewed the reports."
        )


def _correction(item: Equipment, by) -> None:
    """A transcription error in a certificate number, corrected: both records stay."""
    latest = item.latest_calibration
    corrected = CalibrationInput(
        calibrated_on=latest.calibrated_on,
        as_found=latest.as_found,
        as_left=latest.as_left,
        provider=latest.provider,
        procedure=latest.procedure,
        certificate_number=latest.certificate_number + "A",
        uncertainty=latest.uncertainty,
        traceability=latest.traceability,
        notes="Certificate number re-checked against the PDF.",
    )
    services.correct_calibration(
        latest, corrected, reason="Certificate number mistyped on entry (suffix A).", by=by
    )
