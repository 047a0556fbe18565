"""Plain-data catalogues the synthetic lab draws from, and the few shared file blobs."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from compliance.demo.lab import SCOPE_METHODS


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Aaron Abigail Adrian Aisha Alan Alice Amir Ana Andre Anika Arjun Beatriz Ben Bianca Carlos "
    "Chen Chloe Daniel Daria Deepa Diego Elena Emeka Emma Ethan Fatima Felix Fiona Gabriel Grace "
    "Hana Hassan Helen Ibrahim Ingrid Isaac Ivan Jada James Jana Javier Jin Joao Julia Kai Kamala "
    "Karen Kenji Kofi Lara Leila Liam Lina Lucas Maya Mateo Mei Miguel Mina Nadia Nikhil Noah "
    "Olga Omar Oscar Paula Pedro Priya Rafael Rania Ravi Rosa Ruth Sam Sara Sean Sofia Tariq "
    "Tomas Uma Victor Wei Yara Yusuf Zoe"
)
LAST_NAMES = _words(
    "Abbott Adeyemi Alvarez Andersen Baker Banerjee Becker Bello Brooks Campbell Carter Chandra "
    "Chen Costa Cruz Dubois Edwards Evans Fischer Flores Garcia Gomez Grant Gupta Haddad Hansen "
    "Hughes Ito Jensen Kaur Kim Kowalski Kumar Larsen Lee Lopez Marin Martin Mendes Meyer Moreau "
    "Murphy Nakamura Nguyen Novak Nowak Okafor Olsen Ortega Patel Perez Petrov Quinn Raman Reyes "
    "Rossi Sato Schmidt Silva Singh Stein Sullivan Tanaka Torres Turner Watanabe Weber Wong Young "
    "Zhou"
)

SITE_NAMES = _words(
    "Houston Atlanta Phoenix Denver Seattle Boston Chicago Dallas Austin Portland Raleigh Tucson "
    "Omaha Tampa Albany Boise Dayton Fresno Reno Akron Durham Eugene Flint Gary Irvine Joliet "
    "Laredo Macon Mesa Napa Ogden Provo Salem Tulsa Utica Waco Yuma Bangor Casper Duluth Elgin "
    "Fargo Helena Juneau Lansing Medford Nashua Ocala Pueblo Racine Topeka Wichita"
)

# Job role -> (required course codes, slash numbers of the AS6171 procedures it must know, share
# of a site's 50 people).
JOB_ROLES: dict[str, tuple[tuple[str, ...], tuple[int, ...], int]] = {
    "Quality Manager": (("ISO17025-AW", "ISO17025-IA"), (), 1),
    "Internal Auditor": (("ISO17025-AW", "ISO17025-IA"), (), 1),
    "Counterfeit Inspection Technician": (
        ("ESD-101", "CCAP-101", "IDEA-1010", "ISO17025-AW"),
        (2,),
        12,
    ),
    "X-ray/XRF Analyst": (("ESD-101", "RAD-SAFE", "ISO17025-AW"), (3, 5, 8), 6),
    "Electrical Test Technician": (("ESD-101", "ATE-101", "ISO17025-AW"), (7, 9), 8),
    "Acoustic Microscopy Analyst": (("ESD-101", "CSAM-101", "ISO17025-AW"), (6,), 4),
    "Decapsulation Technician": (("ESD-101", "CHEM-SAFE", "ISO17025-AW"), (4,), 4),
    "Receiving Inspector": (("ESD-101", "ISO17025-AW"), (), 9),
    "Metrology Technician": (("ESD-101", "MET-101", "ISO17025-AW"), (), 5),
}

COURSES: dict[str, tuple[str, int | None]] = {
    "ESD-101": ("ESD control awareness (ANSI/ESD S20.20)", 12),
    "CCAP-101": ("Counterfeit electronic parts: avoidance and detection (AS5553, AS6171)", 24),
    "IDEA-1010": ("IDEA-STD-1010 acceptability of electronic components", 24),
    "ISO17025-AW": ("ISO/IEC 17025:2017 awareness and the lab's management system", None),
    "ISO17025-IA": ("Internal auditor training, ISO/IEC 17025:2017", 36),
    "RAD-SAFE": ("Radiation safety: X-ray cabinet and XRF analyser", 12),
    "CHEM-SAFE": ("Chemical handling: acid decapsulation", 12),
    "CSAM-101": ("Acoustic microscope operation", None),
    "ATE-101": ("Curve tracer and electrical test set-up", None),
    "MET-101": ("Calibration and measurement uncertainty basics", 36),
}
# Courses nobody's job role requires: what people take besides (conferences, refreshers).
ELECTIVES: dict[str, str] = {
    "FIRST-AID": "First aid at work",
    "FIRE-SAFE": "Fire safety and evacuation",
    "SEM-201": "Scanning electron microscopy for surface texture analysis",
    "FTIR-101": "FTIR spectroscopy of mould compounds",
    "STAT-101": "Statistics for proficiency testing (z-scores, En numbers)",
    "LEAN-101": "Lean laboratory workflow",
    "DATA-INT": "Data integrity in laboratory records",
    "SOLDER-1": "Solderability testing (J-STD-002)",
    "GIDEP-1": "GIDEP and ERAI reporting of suspect parts",
    "MSD-101": "Moisture-sensitive device handling (J-STD-033)",
}
TRAINERS = ("Sofia Marin", "Grace Okafor", "Luis Ortega", "external provider", "e-learning portal")

# The methods each site has on its scope: the demo lab's AS6171 slash sheets.
METHODS: tuple[tuple[str, str], ...] = SCOPE_METHODS


@dataclass(frozen=True)
class DocTemplate:
    number: str
    title: str
    doc_type: str
    clauses: tuple[str, ...]
    technical: bool = False  # read by job roles that use it, not by the whole site
    method: int | None = None  # AS6171 slash number the document governs
    interval: int = 24


def _templates() -> tuple[DocTemplate, ...]:
    rows = [
        DocTemplate(
            "QM-01", "Quality manual", "quality_manual", ("4.1", "5", "8.1", "8.2"), interval=12
        ),
        DocTemplate("POL-01", "Impartiality policy", "policy", ("4.1",)),
        DocTemplate("POL-02", "Confidentiality policy", "policy", ("4.2",)),
        DocTemplate("POL-03", "Quality policy and objectives", "policy", ("8.2",)),
        DocTemplate("POL-04", "Data integrity policy", "policy", ("7.11",)),
    ]
    for slash, title in METHODS:
        number = slash.rsplit("/", 1)[-1]
        rows.append(
            DocTemplate(
                f"TM-AS6171-{number}",
                f"{title}: test method",
                "test_method",
                ("7.2.1", "7.6"),
                technical=True,
                method=int(number),
            )
        )
    procedures = (
        ("5", "Organisation, responsibilities and authorities", ("5.5", "5.6")),
        ("5", "Scope of laboratory activities", ("5.3", "5.4", "5.7")),
        ("6.1", "Resources planning", ("6.1",)),
        ("6.2", "Personnel competence, training and authorization", ("6.2.2", "6.2.5", "6.2.6")),
        ("6.3", "Facilities and environmental monitoring", ("6.3",)),
        ("6.4", "Equipment management", ("6.4.1", "6.4.13")),
        ("6.4", "Calibration programme and intermediate checks", ("6.4.6", "6.4.7", "6.4.10")),
        ("6.5", "Metrological traceability", ("6.5",)),
        ("6.6", "Externally provided products and services", ("6.6",)),
        ("7.1", "Review of requests, tenders and contracts", ("7.1",)),
        ("7.2", "Selection, verification and validation of methods", ("7.2",)),
        ("7.3", "Sampling", ("7.3",)),
        ("7.4", "Handling of test items", ("7.4",)),
        ("7.5", "Technical records", ("7.5",)),
        ("7.6", "Evaluation of measurement uncertainty", ("7.6",)),
        ("7.7", "Ensuring the validity of results", ("7.7", "7.7.2")),
        ("7.8", "Reporting of results", ("7.8",)),
        ("7.9", "Complaints", ("7.9",)),
        ("7.10", "Nonconforming work", ("7.10",)),
        ("7.11", "Control of data and information management", ("7.11",)),
        ("8.3", "Control of management system documents", ("8.3", "8.3.2")),
        ("8.4", "Control of records", ("8.4",)),
        ("8.5", "Actions to address risks and opportunities", ("8.5",)),
        ("8.6", "Improvement", ("8.6",)),
        ("8.7", "Corrective actions", ("8.7",)),
        ("8.8", "Internal audits", ("8.8",)),
        ("8.9", "Management reviews", ("8.9",)),
    )
    for clause, title, clauses in procedures:
        seq = sum(1 for r in rows if r.number.startswith(f"QP-{clause}-")) + 1
        rows.append(DocTemplate(f"QP-{clause}-{seq:02d}", title, "procedure", clauses))
    instructions = (
        ("XRF analyser daily check", 3),
        ("X-ray system set-up and image quality indicator", 5),
        ("Acoustic microscope transducer selection", 6),
        ("Curve tracer pin-to-pin test", 7),
        ("Acid decapsulation of plastic packages", 4),
        ("Laser decapsulation", 4),
        ("Stereo microscope inspection of markings", 2),
        ("Resurfacing detection: acetone and scrape tests", 2),
        ("Heated solvent test", 2),
        ("FTIR sample preparation", 9),
        ("Raman spectrometer wavelength check", 8),
        ("Balance daily check", None),
        ("Temperature and humidity logging", None),
        ("ESD workstation verification", None),
        ("Receiving inspection of customer parts", None),
        ("Packaging and return of parts", None),
        ("Photographic documentation of findings", 2),
        ("Die marking verification", 4),
        ("Lead finish analysis by XRF", 3),
        ("Hermeticity screening", None),
        ("Electrical test data review", 7),
        ("SEM surface texture imaging", 2),
        ("Calibration label handling", None),
        ("Out-of-tolerance equipment quarantine", None),
    )
    for index, (title, slash) in enumerate(instructions, start=1):
        clauses = ("7.2.1",) if slash else ("6.4.4", "7.4")
        rows.append(
            DocTemplate(
                f"WI-{index:02d}",
                title,
                "work_instruction",
                clauses,
                technical=slash is not None,
                method=slash,
                interval=36,
            )
        )
    forms = (
        ("Training record", ("6.2.5",)),
        ("Authorization record", ("6.2.6",)),
        ("Equipment record card", ("6.4.13",)),
        ("Calibration review", ("6.4.7",)),
        ("Intermediate check log", ("6.4.10",)),
        ("Out-of-tolerance impact assessment", ("6.4.9",)),
        ("Contract review checklist", ("7.1",)),
        ("Sample receipt log", ("7.4",)),
        ("Complaint record", ("7.9",)),
        ("Nonconforming work report", ("7.10",)),
        ("Corrective action request", ("8.7",)),
    )
    for index, (title, clauses) in enumerate(forms, start=1):
        rows.append(DocTemplate(f"F-{index:02d}", title, "form", clauses, interval=36))
    return tuple(rows)


DOCUMENTS: tuple[DocTemplate, ...] = _templates()
assert len(DOCUMENTS) == 75, len(DOCUMENTS)

CHANGE_SUMMARIES = (
    "Periodic review: wording clarified, no change to the method.",
    "Updated references to the current standard editions.",
    "Added a step after an internal audit finding.",
    "Acceptance criteria tightened after a customer complaint.",
    "New equipment model added to the equipment list.",
    "Responsibilities updated after a reorganisation.",
    "Record retention period aligned with the records procedure.",
    "Corrected a table of reporting limits.",
    "Added photographs of typical defects.",
    "Measurement uncertainty section revised.",
)


@dataclass(frozen=True)
class EquipmentType:
    code: str
    equipment_type: str
    description: str
    manufacturer: str
    model: str
    weight: int  # share of a site's register
    interval: int | None  # months; None: no calibration needed
    check_interval: int | None
    methods: tuple[int, ...]  # AS6171 slash numbers it serves
    in_house: bool = False  # calibrated by the metrology technicians


EQUIPMENT_TYPES: tuple[EquipmentType, ...] = (
    EquipmentType(
        "XRF",
        "XRF analyser",
        "Energy-dispersive XRF analyser",
        "Fischer",
        "XDV-SDD",
        4,
        12,
        3,
        (3,),
    ),
    EquipmentType(
        "XRAY",
        "X-ray system",
        "Real-time X-ray inspection system",
        "Nordson",
        "Quadra 7",
        3,
        12,
        6,
        (5,),
    ),
    EquipmentType(
        "CSAM",
        "Acoustic microscope",
        "Scanning acoustic microscope",
        "Sonoscan",
        "Gen6",
        2,
        12,
        6,
        (6,),
    ),
    EquipmentType(
        "CT", "Curve tracer", "Curve tracer", "Huntron", "Tracker 3200S", 5, 12, None, (7,)
    ),
    EquipmentType(
        "SMU", "Source measure unit", "Source measure unit", "Keithley", "2450", 5, 12, None, (7,)
    ),
    EquipmentType(
        "DMM",
        "Digital multimeter",
        "6.5-digit digital multimeter",
        "Keysight",
        "34465A",
        8,
        12,
        None,
        (7,),
    ),
    EquipmentType(
        "SCOPE",
        "Oscilloscope",
        "Mixed-signal oscilloscope",
        "Tektronix",
        "MSO54",
        5,
        12,
        None,
        (7,),
    ),
    EquipmentType(
        "MIC",
        "Stereo microscope",
        "Stereo inspection microscope",
        "Leica",
        "M205 C",
        18,
        24,
        None,
        (2,),
    ),
    EquipmentType(
        "DMIC",
        "Digital microscope",
        "Digital microscope",
        "Keyence",
        "VHX-7000",
        6,
        24,
        None,
        (2, 4),
    ),
    EquipmentType(
        "DECAP",
        "Decapsulation system",
        "Automated acid decapsulation system",
        "Nisene",
        "JetEtch Pro",
        3,
        12,
        None,
        (4,),
    ),
    EquipmentType(
        "FTIR",
        "FTIR spectrometer",
        "FTIR spectrometer with ATR",
        "Thermo",
        "Nicolet iS20",
        2,
        12,
        3,
        (9,),
    ),
    EquipmentType(
        "RAMAN", "Raman spectrometer", "Raman spectrometer", "Renishaw", "inVia", 2, 12, 3, (8,)
    ),
    EquipmentType(
        "BAL",
        "Balance",
        "Analytical balance",
        "Mettler Toledo",
        "XPR205",
        6,
        12,
        3,
        (),
        in_house=False,
    ),
    EquipmentType(
        "CAL",
        "Caliper",
        "Digital caliper 0-150 mm",
        "Mitutoyo",
        "CD-6 ASX",
        25,
        12,
        None,
        (2,),
        in_house=True,
    ),
    EquipmentType(
        "MICM",
        "Micrometer",
        "Outside micrometer 0-25 mm",
        "Mitutoyo",
        "293-340",
        12,
        12,
        None,
        (2,),
        in_house=True,
    ),
    EquipmentType(
        "THG",
        "Thermohygrometer",
        "Temperature and humidity logger",
        "Vaisala",
        "HMP110",
        30,
        12,
        None,
        (),
        in_house=True,
    ),
    EquipmentType(
        "OVEN", "Oven", "Bake-out oven", "Binder", "FD 56", 6, 12, None, (4,), in_house=True
    ),
    EquipmentType(
        "ESD",
        "ESD tester",
        "Wrist strap and footwear tester",
        "Desco",
        "19290",
        20,
        12,
        None,
        (),
        in_house=True,
    ),
    EquipmentType(
        "TORQ",
        "Torque driver",
        "Torque screwdriver",
        "Wera",
        "7440",
        10,
        12,
        None,
        (),
        in_house=True,
    ),
    EquipmentType(
        "GAUGE", "Reference standard", "Gauge block set", "Mitutoyo", "516-940", 4, 24, None, ()
    ),
    EquipmentType(
        "WGT",
        "Reference standard",
        "Check weight set E2",
        "Troemner",
        "E2 1 mg-100 g",
        4,
        24,
        None,
        (),
    ),
    EquipmentType(
        "PS", "Power supply", "Programmable DC power supply", "Rigol", "DP832", 8, 12, None, (7,)
    ),
    EquipmentType(
        "PC",
        "Workstation",
        "Image analysis workstation",
        "Dell",
        "Precision 3660",
        20,
        None,
        None,
        (),
    ),
    EquipmentType("FIX", "Fixture", "Socket fixture set", "in-house", "SF-1", 12, None, None, (7,)),
    EquipmentType(
        "HOOD",
        "Fume hood",
        "Fume hood",
        "Labconco",
        "Protector XStream",
        2,
        12,
        None,
        (4,),
        in_house=True,
    ),
)

PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("Precision Metrology Services", "ANAB", "AC-1187"),
    ("Spectra Calibration Laboratories", "A2LA", "2931.01"),
    ("Northstar Electrical Calibration", "ANAB", "AC-2210"),
    ("Keystone Mass and Balance", "A2LA", "1440.02"),
    ("Optical Instrument Calibration Co.", "ANAB", "AC-3306"),
    ("Radiographic Systems Service", "A2LA", "4102.01"),
    ("Ultrasonic Test Calibration", "ANAB", "AC-1954"),
    ("Pacific Dimensional Laboratory", "IAS", "CL-228"),
    ("Atlantic Temperature Standards", "A2LA", "3377.03"),
    ("Midwest Instrument Services", "ANAB", "AC-2875"),
    ("Summit Spectroscopy Service", "IAS", "CL-411"),
    ("Harbor Calibration Group", "ANAB", "AC-3598"),
)
# This one's accreditation lapsed recently; the lab stopped sending it work.
LAPSED_PROVIDER = "Harbor Calibration Group"

PT_PROVIDERS = (
    ("ERAI", "Counterfeit detection ILC"),
    ("IPC", "Component inspection round robin"),
    ("CTI", "Counterfeit parts proficiency programme"),
    ("LGC", "XRF alloy composition"),
)


# --- shared file blobs --------------------------------------------------------------------------

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates, so the bytes (and their SHA-256) never vary."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def docx_blob(doc_type: str) -> bytes:
    """A small Word file standing for every revision of one document type."""
    import docx

    document = docx.Document()
    document.core_properties.author = "Synthetic lab generator"
    document.add_heading(f"Controlled document ({doc_type.replace('_', ' ')})", level=1)
    document.add_paragraph(
        "This file stands in for every generated revision of this type; the register keeps each "
        "revision's own text for search."
    )
    for heading in ("Purpose", "Scope", "Responsibilities", "Procedure", "Records"):
        document.add_heading(heading, level=2)
        document.add_paragraph(f"{heading} of the generated document.")
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def pdf_blob(title: str) -> bytes:
    """A one-page PDF with a line of text (certificates, reports), built by hand so the bytes are
    fixed."""
    stream = f"BT /F1 14 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
