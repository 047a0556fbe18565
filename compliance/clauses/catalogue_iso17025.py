"""Clause catalogue of ISO/IEC 17025:2017, as plain data.

One row per numbered clause and sub-clause (1 to 8.9.3), plus rows for the lettered items that
laboratories and assessors cite on their own (e.g. "8.3.2 a"). Titles of sub-clauses that have no
title in the standard are short descriptions of our own. Every summary is written in our own words:
the text of the standard is copyrighted and is deliberately not reproduced here.

``aliases_2005`` lists the ISO/IEC 17025:2005 clause numbers that cover the same ground, so that
labs quoting the old numbering can still find the clause. The mapping is approximate by nature (the
2017 edition was restructured); rows on the second level follow the project's domain table, deeper
rows point at the closest 2005 sub-clauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

STANDARD = "ISO/IEC 17025:2017"
CODE = "ISO17025"


@dataclass(frozen=True, slots=True)
class ClauseRow:
    number: str
    parent: str | None
    title: str
    summary: str
    aliases_2005: tuple[str, ...] = ()
    evidence_hint: str = ""


def _parent_of(number: str) -> str | None:
    """ "8.3.2 a" -> "8.3.2", "6.2.5" -> "6.2", "6" -> None."""
    if " " in number:
        return number.split(" ", 1)[0]
    if "." in number:
        return number.rsplit(".", 1)[0]
    return None


def _row(
    number: str,
    title: str,
    summary: str,
    aliases_2005: tuple[str, ...] = (),
    evidence_hint: str = "",
) -> ClauseRow:
    return ClauseRow(number, _parent_of(number), title, summary, aliases_2005, evidence_hint)


# Clauses 1-3 state scope, references and vocabulary; they carry no requirement a lab can evidence.
NON_REQUIREMENT_NUMBERS = frozenset({"1", "2", "3"})

CLAUSES: tuple[ClauseRow, ...] = (
    # ------------------------------------------------------------------ 1-3
    _row(
        "1",
        "Scope",
        "Defines what the standard covers: competence, impartiality and consistent operation of "
        "laboratories, for any organisation doing testing, calibration or associated sampling, "
        "whatever its size.",
        ("1",),
    ),
    _row(
        "2",
        "Normative references",
        "Names the vocabulary documents needed to apply the standard: the international "
        "metrology vocabulary (ISO/IEC Guide 99) and the conformity assessment vocabulary "
        "(ISO/IEC 17000).",
        ("2",),
    ),
    _row(
        "3",
        "Terms and definitions",
        "Adopts the referenced vocabularies and defines key terms used throughout, such as "
        "impartiality, complaint, inter- and intralaboratory comparison, proficiency testing, "
        "laboratory, decision rule, verification and validation.",
        ("3",),
    ),
    # ------------------------------------------------------------------ 4 General requirements
    _row(
        "4",
        "General requirements",
        "Requirements on impartiality and confidentiality that apply to all laboratory activities.",
        ("4.1",),
    ),
    _row(
        "4.1",
        "Impartiality",
        "The laboratory works impartially, its management is committed to that, and it keeps "
        "identifying and dealing with risks to its impartiality.",
        ("4.1",),
        "Impartiality policy, impartiality risk register, signed declarations",
    ),
    _row(
        "4.1.1",
        "Impartial conduct and structure",
        "Laboratory activities are performed impartially, and the organisation is set up and run "
        "in a way that protects impartiality.",
        ("4.1.4",),
        "Impartiality policy; organisation chart",
    ),
    _row(
        "4.1.2",
        "Management commitment to impartiality",
        "Laboratory management visibly commits to impartiality.",
        (),
        "Signed management statement on impartiality",
    ),
    _row(
        "4.1.3",
        "Resisting pressures",
        "The laboratory is accountable for its impartiality and does not let commercial, "
        "financial or other pressures undermine it.",
        ("4.1.5",),
        "Impartiality policy; staff declarations",
    ),
    _row(
        "4.1.4",
        "Identifying risks to impartiality",
        "Risks to impartiality, including those arising from the lab's own activities, its "
        "relationships and those of its personnel, are identified on a continuing basis.",
        ("4.1.4", "4.1.5"),
        "Impartiality risk register with review dates",
    ),
    _row(
        "4.1.5",
        "Eliminating or minimising impartiality risks",
        "Where a risk to impartiality is found, the lab can show how the risk is removed or kept "
        "to a minimum.",
        ("4.1.5",),
        "Risk register entries with controls and their review",
    ),
    _row(
        "4.2",
        "Confidentiality",
        "Information obtained or created during laboratory activities is protected through "
        "legally enforceable commitments, with defined rules for release.",
        ("4.1",),
        "Confidentiality agreements, contract terms",
    ),
    _row(
        "4.2.1",
        "Managing confidential information",
        "The lab is responsible, through enforceable commitments, for protecting information it "
        "obtains or creates; it tells the customer beforehand what it plans to make public, and "
        "treats everything else as confidential unless agreed otherwise.",
        ("4.1.5",),
        "Confidentiality clauses in contracts and terms of business",
    ),
    _row(
        "4.2.2",
        "Release required by law or contract",
        "When law or a contract requires confidential information to be released, the customer "
        "or person concerned is told, unless the law forbids it.",
        ("4.1.5",),
        "Release log; notification records",
    ),
    _row(
        "4.2.3",
        "Information from other sources",
        "Information about a customer that comes from someone else (e.g. a complainant or "
        "regulator) is kept confidential, and the source is not revealed unless it agrees.",
        ("4.1.5",),
        "Confidentiality procedure",
    ),
    _row(
        "4.2.4",
        "Confidentiality obligations of personnel",
        "Everyone acting for the lab, including committee members, contractors and external "
        "staff, keeps lab information confidential except where the law requires otherwise.",
        ("4.1.5",),
        "Signed confidentiality agreements per person",
    ),
    # ------------------------------------------------------------------ 5 Structural
    _row(
        "5",
        "Structural requirements",
        "Legal identity, management responsibility, the defined range of activities, the "
        "organisation structure and the roles that keep the management system working.",
        ("4.1",),
        "Org chart, scope of activities, quality manual",
    ),
    _row(
        "5.1",
        "Legal entity",
        "The lab is a legal entity, or a defined part of one, that carries legal responsibility "
        "for its laboratory activities.",
        ("4.1.1",),
        "Registration documents; legal status statement",
    ),
    _row(
        "5.2",
        "Management with overall responsibility",
        "The lab names the management that holds overall responsibility for the laboratory.",
        ("4.1.5",),
        "Org chart naming top management",
    ),
    _row(
        "5.3",
        "Defined range of laboratory activities",
        "The lab defines and documents the range of activities for which it meets the standard, "
        "and claims conformity only for that range, leaving out activities it routinely "
        "subcontracts.",
        (),
        "Documented range of activities; scope of accreditation",
    ),
    _row(
        "5.4",
        "Meeting requirements at all sites",
        "Activities are carried out to meet this standard and the requirements of customers, "
        "regulators and recognition bodies, at permanent, temporary, mobile and customer sites.",
        ("4.1.2", "4.1.3"),
        "Quality manual; list of sites",
    ),
    _row(
        "5.5",
        "Organisation, responsibilities and procedures",
        "The lab defines its organisation and management structure and its place in any parent "
        "body, sets out the responsibility and authority of staff whose work affects results, "
        "and documents procedures as far as needed for consistent, valid results.",
        ("4.1.5", "4.2.1"),
        "Org chart; job descriptions; procedure index",
    ),
    _row(
        "5.6",
        "Personnel with authority for the management system",
        "People are given the authority and resources to implement, maintain and improve the "
        "management system, spot and prevent deviations, report on performance to management "
        "and make sure lab activities are effective.",
        ("4.1.5",),
        "Appointment of quality manager; role descriptions",
    ),
    _row(
        "5.7",
        "Communication and integrity during change",
        "Management makes sure the effectiveness of the management system and the importance of "
        "meeting requirements are communicated, and that the system stays intact while changes "
        "are planned and made.",
        ("4.1.6", "4.2.7"),
        "Staff meeting minutes; change management records",
    ),
    # ------------------------------------------------------------------ 6 Resources
    _row(
        "6",
        "Resource requirements",
        "Personnel, facilities, equipment, traceability and externally provided products and "
        "services needed for laboratory activities.",
        (),
    ),
    _row(
        "6.1",
        "Resources - general",
        "The lab has the people, facilities, equipment, systems and support services it needs "
        "to manage and carry out its activities.",
        (),
        "Resource review in management review",
    ),
    _row(
        "6.2",
        "Personnel",
        "Staff who can influence results are impartial, competent and work within the "
        "management system; competence is defined, built, authorised and monitored.",
        ("5.2",),
        "Competence requirements, training, authorization and competence-monitoring records",
    ),
    _row(
        "6.2.1",
        "Impartial, competent personnel",
        "All internal and external personnel who could influence lab activities act "
        "impartially, are competent and follow the management system.",
        ("5.2.1",),
        "Personnel files; impartiality declarations",
    ),
    _row(
        "6.2.2",
        "Documented competence requirements",
        "For each function that influences results, the lab documents the required education, "
        "qualifications, training, technical knowledge, skills and experience.",
        ("5.2.2", "5.2.4"),
        "Job descriptions / competence matrix per role",
    ),
    _row(
        "6.2.3",
        "Competence for assigned work",
        "Staff are competent for the activities they are responsible for and can judge how "
        "significant a deviation is.",
        ("5.2.1",),
        "Training and competence records",
    ),
    _row(
        "6.2.4",
        "Communicating duties and authorities",
        "Management tells staff what their duties, responsibilities and authorities are.",
        ("4.1.5", "5.2.4"),
        "Signed job descriptions",
    ),
    _row(
        "6.2.5",
        "Personnel procedures and records",
        "The lab has procedures, and keeps records, for setting competence requirements and for "
        "the selection, training, supervision, authorization and competence monitoring of staff.",
        ("5.2.2", "5.2.5"),
        "Personnel procedure; training, authorization and competence-monitoring records",
    ),
    _row(
        "6.2.5 a",
        "Determining competence requirements",
        "How competence requirements are set for each function, with records.",
        (),
        "Competence matrix",
    ),
    _row(
        "6.2.5 b",
        "Selection of personnel",
        "How people are selected for roles, with records of the selection.",
        (),
        "CVs, qualification evidence, hiring records",
    ),
    _row(
        "6.2.5 c",
        "Training of personnel",
        "How staff are trained, including on current procedures, with training records.",
        (),
        "Training records; procedure read-and-acknowledge records",
    ),
    _row(
        "6.2.5 d",
        "Supervision of personnel",
        "How staff are supervised, particularly while in training, with records.",
        (),
        "Supervision sign-offs",
    ),
    _row(
        "6.2.5 e",
        "Authorization of personnel",
        "How staff are authorized for specific activities, with records of each authorization.",
        (),
        "Authorization records per person and method",
    ),
    _row(
        "6.2.5 f",
        "Monitoring competence",
        "How the continuing competence of staff is monitored, with records.",
        (),
        "Competence checks, witnessed tests, PT results per analyst",
    ),
    _row(
        "6.2.6",
        "Authorization for specific activities",
        "The lab authorizes named staff for specific activities such as developing and "
        "validating methods, analysing results and giving opinions, and reviewing, reporting "
        "and authorizing results.",
        ("5.2.5",),
        "Authorization matrix per person and method",
    ),
    _row(
        "6.2.6 a",
        "Authorization for method development and validation",
        "Authorization to develop, modify, verify and validate methods.",
        (),
        "Authorization records",
    ),
    _row(
        "6.2.6 b",
        "Authorization for analysis of results",
        "Authorization to analyse results, including statements of conformity and opinions and "
        "interpretations.",
        (),
        "Authorization records",
    ),
    _row(
        "6.2.6 c",
        "Authorization for review and release of results",
        "Authorization to report, review and authorize results.",
        (),
        "Authorization records; report signatory list",
    ),
    _row(
        "6.3",
        "Facilities and environmental conditions",
        "Facilities and environmental conditions suit the work, are specified, monitored and "
        "controlled, and do not compromise results.",
        ("5.3",),
        "Environmental monitoring records",
    ),
    _row(
        "6.3.1",
        "Suitable facilities",
        "Facilities and environmental conditions are suitable for the activities and do not "
        "harm the validity of results (e.g. through dust, vibration, temperature, humidity, "
        "electromagnetic interference or contamination).",
        ("5.3.1",),
        "Facility description; risk assessment",
    ),
    _row(
        "6.3.2",
        "Documented facility requirements",
        "The facility and environmental conditions needed for the activities are documented.",
        ("5.3.1",),
        "Environmental specifications per area or method",
    ),
    _row(
        "6.3.3",
        "Monitoring and recording conditions",
        "Environmental conditions are monitored, controlled and recorded where methods or "
        "procedures require it or where they affect the validity of results.",
        ("5.3.2",),
        "Temperature/humidity logs",
    ),
    _row(
        "6.3.4",
        "Controlling the facilities",
        "Measures to control the facilities are put in place, monitored and reviewed, covering "
        "access to work areas, prevention of contamination or interference, and separation of "
        "incompatible activities.",
        ("5.3.3", "5.3.4", "5.3.5"),
        "Access control records; housekeeping and segregation rules",
    ),
    _row(
        "6.3.5",
        "Sites outside permanent control",
        "When work is done at sites the lab does not permanently control, the facility and "
        "environmental requirements are still met.",
        ("5.3.1",),
        "On-site work checklists",
    ),
    _row(
        "6.4",
        "Equipment",
        "The lab has, maintains, verifies, calibrates, identifies and records the equipment "
        "(including software and reference materials) that can influence results.",
        ("5.5",),
        "Equipment list, calibration certificates, intermediate checks, status labels",
    ),
    _row(
        "6.4.1",
        "Access to equipment",
        "The lab has access to the equipment needed for correct performance, including "
        "instruments, software, measurement standards, reference materials and data, reagents, "
        "consumables and auxiliary apparatus.",
        ("5.5.1",),
        "Equipment inventory",
    ),
    _row(
        "6.4.2",
        "Equipment outside permanent control",
        "When using equipment outside its permanent control, the lab makes sure the equipment "
        "requirements of the standard are still met.",
        ("5.5.1",),
        "Loan/rental equipment checks",
    ),
    _row(
        "6.4.3",
        "Handling, transport, storage, use and maintenance",
        "A procedure covers handling, transport, storage, use and planned maintenance of "
        "equipment so it keeps working properly and does not become contaminated or "
        "deteriorate.",
        ("5.5.6",),
        "Equipment procedure; maintenance schedules",
    ),
    _row(
        "6.4.4",
        "Verification before (re)entering service",
        "Equipment is checked against its specified requirements before it is put into, or "
        "returned to, service.",
        ("5.5.2", "5.5.9"),
        "Acceptance / return-to-service verification records",
    ),
    _row(
        "6.4.5",
        "Capable of required accuracy",
        "Measuring equipment can achieve the accuracy and/or measurement uncertainty needed for "
        "a valid result.",
        ("5.5.2",),
        "Equipment specifications vs. method requirements",
    ),
    _row(
        "6.4.6",
        "When calibration is required",
        "Measuring equipment is calibrated when its accuracy or uncertainty affects the "
        "validity of reported results, or when calibration is needed to establish traceability.",
        ("5.5.2", "5.6.1"),
        "List of equipment requiring calibration; calibration certificates",
    ),
    _row(
        "6.4.7",
        "Calibration programme",
        "The lab sets up a calibration programme and reviews and adjusts it as needed to keep "
        "confidence in calibration status.",
        ("5.5.2", "5.6.1"),
        "Calibration schedule with intervals and due dates",
    ),
    _row(
        "6.4.8",
        "Calibration status identification",
        "Equipment that needs calibration or has a validity period is labelled, coded or "
        "otherwise marked so users can readily see its status.",
        ("5.5.8",),
        "Calibration status labels",
    ),
    _row(
        "6.4.9",
        "Defective or out-of-service equipment",
        "Equipment that is overloaded, mishandled, gives doubtful results or is defective or "
        "out of specification is taken out of service and isolated or marked until shown to "
        "work; the effect on earlier work is examined and nonconforming work handling started.",
        ("5.5.7",),
        "Out-of-service tags; impact assessments; NC records",
    ),
    _row(
        "6.4.10",
        "Intermediate checks",
        "Where intermediate checks are needed to keep confidence in equipment performance, "
        "they follow a procedure.",
        ("5.5.10", "5.6.3.3"),
        "Intermediate check procedure and records",
    ),
    _row(
        "6.4.11",
        "Reference values and correction factors",
        "Reference values and correction factors from calibrations or reference material data "
        "are updated and applied as appropriate.",
        ("5.5.11",),
        "Records of applied corrections after each calibration",
    ),
    _row(
        "6.4.12",
        "Preventing unintended adjustment",
        "Practical measures stop unintended adjustments from invalidating results.",
        ("5.5.12",),
        "Seals, passwords, locked settings",
    ),
    _row(
        "6.4.13",
        "Equipment records",
        "Records are kept for equipment that can influence results, covering identity, "
        "verification, location, calibration, reference materials, maintenance and any damage "
        "or repair, as applicable.",
        ("5.5.5",),
        "Equipment records / history files",
    ),
    _row(
        "6.4.13 a",
        "Identity including software and firmware",
        "The identity of the equipment, including software and firmware versions.",
        (),
        "Equipment record: ID, software/firmware version",
    ),
    _row(
        "6.4.13 b",
        "Manufacturer, type and serial number",
        "Manufacturer's name, type or model identification, and serial number or other unique "
        "identifier.",
        (),
        "Equipment record: manufacturer, model, serial",
    ),
    _row(
        "6.4.13 c",
        "Evidence of verification",
        "Evidence that the equipment was verified to meet specified requirements.",
        (),
        "Acceptance/verification reports",
    ),
    _row(
        "6.4.13 d",
        "Current location",
        "Where the equipment currently is.",
        (),
        "Equipment record: location",
    ),
    _row(
        "6.4.13 e",
        "Calibration dates, results and due date",
        "Calibration dates and results, adjustments, acceptance criteria, and the next due date "
        "or interval.",
        (),
        "Calibration certificates and calibration history",
    ),
    _row(
        "6.4.13 f",
        "Reference material documentation",
        "For reference materials: documentation, results, acceptance criteria, relevant dates "
        "and period of validity.",
        (),
        "CRM certificates; expiry tracking",
    ),
    _row(
        "6.4.13 g",
        "Maintenance plan and history",
        "The maintenance plan and the maintenance done so far, where it matters for performance.",
        (),
        "Maintenance log",
    ),
    _row(
        "6.4.13 h",
        "Damage, malfunction, modification or repair",
        "Details of any damage, malfunction, modification or repair.",
        (),
        "Repair and malfunction records",
    ),
    _row(
        "6.5",
        "Metrological traceability",
        "Measurement results are linked to a suitable reference, normally the SI, through a "
        "documented, unbroken chain of calibrations with stated uncertainties.",
        ("5.6",),
        "Calibration certificates from accredited providers; CRM certificates",
    ),
    _row(
        "6.5.1",
        "Unbroken chain of calibrations",
        "The lab establishes and maintains traceability of its results through a documented, "
        "unbroken chain of calibrations, each contributing to the uncertainty, back to an "
        "appropriate reference.",
        ("5.6.1", "5.6.2.1.1"),
        "Traceability chart; calibration certificates with uncertainties",
    ),
    _row(
        "6.5.2",
        "Traceability to the SI",
        "Traceability to SI units is achieved through calibration by a competent lab, certified "
        "values of CRMs from a competent producer, or direct realisation of SI units checked by "
        "comparison with national or international standards.",
        ("5.6.2.1.1", "5.6.2.2.1"),
        "Accredited calibration certificates; provider accreditation scope",
    ),
    _row(
        "6.5.2 a",
        "Calibration by a competent laboratory",
        "Traceability via calibration provided by a competent (typically accredited) laboratory.",
        (),
        "Accredited calibration certificates",
    ),
    _row(
        "6.5.2 b",
        "Certified reference materials",
        "Traceability via certified values of CRMs from a competent producer, with stated "
        "traceability to the SI.",
        (),
        "CRM certificates from accredited producers",
    ),
    _row(
        "6.5.2 c",
        "Direct realisation of SI units",
        "Traceability via direct realisation of SI units, confirmed by comparison with national "
        "or international standards.",
        (),
        "Comparison records with national standards",
    ),
    _row(
        "6.5.3",
        "Traceability where SI is not possible",
        "Where SI traceability is not technically possible, the lab shows traceability to an "
        "appropriate reference, such as certified values of CRMs or well-described, accepted "
        "reference procedures or consensus standards confirmed by comparison.",
        ("5.6.2.1.2", "5.6.2.2.2"),
        "Justification and reference documentation",
    ),
    _row(
        "6.6",
        "Externally provided products and services",
        "Only suitable external products and services are used; requirements, provider "
        "evaluation and monitoring are controlled and recorded.",
        ("4.5", "4.6"),
        "Approved-provider list, evaluations, provider accreditation",
    ),
    _row(
        "6.6.1",
        "Suitability of external products and services",
        "External products and services affecting lab activities are suitable, whether they "
        "are built into the lab's own work, passed directly to customers, or used to support "
        "the lab's operation.",
        ("4.5.1", "4.6.1"),
        "Purchasing procedure; list of critical supplies and services",
    ),
    _row(
        "6.6.2",
        "Provider control procedure and records",
        "A procedure, with records, covers setting and approving the lab's requirements, "
        "criteria for evaluating, selecting, monitoring and re-evaluating providers, checking "
        "conformity before use, and acting on evaluation results.",
        ("4.5.4", "4.6.1", "4.6.2", "4.6.4"),
        "Supplier evaluation records; approved-provider list",
    ),
    _row(
        "6.6.2 a",
        "Defining requirements for external provision",
        "Defining, reviewing and approving what the lab requires of external products and "
        "services.",
        (),
        "Approved purchase specifications",
    ),
    _row(
        "6.6.2 b",
        "Provider evaluation criteria",
        "Defining criteria for evaluating, selecting, monitoring and re-evaluating external "
        "providers.",
        (),
        "Supplier evaluation criteria",
    ),
    _row(
        "6.6.2 c",
        "Conformity before use",
        "Making sure external products and services meet the lab's requirements before they "
        "are used or passed to the customer.",
        (),
        "Receipt inspection records",
    ),
    _row(
        "6.6.2 d",
        "Acting on provider evaluations",
        "Taking any action that follows from evaluating, monitoring or re-evaluating providers.",
        (),
        "Supplier re-evaluation outcomes",
    ),
    _row(
        "6.6.3",
        "Communicating requirements to providers",
        "The lab tells providers what is to be supplied, the acceptance criteria, the "
        "competence required (including staff qualifications), and any activities the lab or "
        "customer intends to perform at the provider's premises.",
        ("4.6.3",),
        "Purchase orders; subcontract agreements",
    ),
    # ------------------------------------------------------------------ 7 Process
    _row(
        "7",
        "Process requirements",
        "Requirements for the laboratory's processes, from contract review through methods, "
        "sampling, item handling, records, uncertainty, validity monitoring and reporting, to "
        "complaints, nonconforming work and data management.",
        (),
    ),
    _row(
        "7.1",
        "Review of requests, tenders and contracts",
        "Requests, tenders and contracts are reviewed so that requirements are clear and the "
        "lab can meet them, with differences resolved and records kept.",
        ("4.4",),
        "Contract review records",
    ),
    _row(
        "7.1.1",
        "Contract review procedure",
        "A procedure ensures requirements are defined, documented and understood, the lab has "
        "the capability and resources, customers approve any use of external providers, and "
        "suitable methods are chosen.",
        ("4.4.1", "4.4.3", "4.5.2"),
        "Contract review procedure; quotation checklist",
    ),
    _row(
        "7.1.1 a",
        "Requirements defined and understood",
        "The customer's requirements, including methods, are adequately defined, documented and "
        "understood.",
        (),
        "Contract review records",
    ),
    _row(
        "7.1.1 b",
        "Capability and resources",
        "The lab has the capability and resources to meet the requirements.",
        (),
        "Contract review records",
    ),
    _row(
        "7.1.1 c",
        "Use of external providers agreed",
        "Where external providers are used, 6.6 is applied and the customer is told which "
        "activities they will perform and gives approval.",
        (),
        "Customer approval of subcontracting",
    ),
    _row(
        "7.1.1 d",
        "Appropriate methods selected",
        "Appropriate methods are selected that can meet the customer's requirements.",
        (),
        "Contract review records",
    ),
    _row(
        "7.1.2",
        "Inappropriate or outdated methods",
        "The lab tells the customer when a method the customer asked for seems inappropriate or "
        "out of date.",
        ("5.4.2",),
        "Customer correspondence",
    ),
    _row(
        "7.1.3",
        "Statements of conformity and decision rules",
        "When a customer wants a statement of conformity, the specification and the decision "
        "rule are clearly defined, and any decision rule not inherent in the specification is "
        "agreed with the customer.",
        (),
        "Agreed decision rule in contract or quotation",
    ),
    _row(
        "7.1.4",
        "Resolving differences before work",
        "Differences between the request or tender and the contract are settled before work "
        "starts; the contract must suit both parties, and customer-requested deviations must "
        "not harm the lab's integrity or the validity of results.",
        ("4.4.1",),
        "Contract review records",
    ),
    _row(
        "7.1.5",
        "Informing customer of deviations",
        "The customer is told of any deviation from the contract.",
        ("4.4.4",),
        "Deviation notices",
    ),
    _row(
        "7.1.6",
        "Amendments after work starts",
        "If a contract changes after work has begun, the review is repeated and the changes are "
        "passed to everyone affected.",
        ("4.4.5",),
        "Contract amendment review records",
    ),
    _row(
        "7.1.7",
        "Cooperation with customers",
        "The lab cooperates with customers or their representatives in clarifying requests and "
        "in monitoring the lab's performance on their work.",
        ("4.7.1",),
        "Customer visit records",
    ),
    _row(
        "7.1.8",
        "Records of reviews and discussions",
        "Records of contract reviews, including significant changes, and of relevant "
        "discussions with the customer about requirements or results are kept.",
        ("4.4.2",),
        "Contract review records; customer communication log",
    ),
    _row(
        "7.2",
        "Selection, verification and validation of methods",
        "Appropriate, current methods are used; standard methods are verified before use and "
        "non-standard or modified methods are validated.",
        ("5.4",),
        "Method verification/validation reports",
    ),
    _row(
        "7.2.1",
        "Selection and verification of methods",
        "Choosing appropriate methods, keeping them current and available, verifying them "
        "before use, and controlling development and deviations.",
        ("5.4.1", "5.4.2"),
        "Method verification reports",
    ),
    _row(
        "7.2.1.1",
        "Appropriate methods and procedures",
        "Appropriate methods and procedures are used for all lab activities and, where "
        "relevant, for evaluating measurement uncertainty and for statistical analysis of data.",
        ("5.4.1",),
        "Method list per scope",
    ),
    _row(
        "7.2.1.2",
        "Methods kept current and available",
        "Methods, procedures and supporting documents (instructions, standards, manuals, "
        "reference data) are kept up to date and readily available to staff.",
        ("5.4.1",),
        "Controlled method documents at point of use",
    ),
    _row(
        "7.2.1.3",
        "Latest valid version of methods",
        "The lab uses the latest valid version of a method unless that is not appropriate or "
        "possible, and adds detail where needed for consistent application.",
        ("5.4.2",),
        "Standards currency check; method documents",
    ),
    _row(
        "7.2.1.4",
        "Selecting a method when none is specified",
        "If the customer does not specify a method, the lab picks an appropriate one and tells "
        "the customer; published standard methods are preferred, but lab-developed or modified "
        "methods may be used.",
        ("5.4.2",),
        "Customer notification of selected method",
    ),
    _row(
        "7.2.1.5",
        "Verification before use",
        "Before introducing a method the lab verifies it can achieve the required performance, "
        "keeps records, and repeats verification as needed when the issuing body revises it.",
        ("5.4.2",),
        "Method verification reports",
    ),
    _row(
        "7.2.1.6",
        "Method development",
        "Method development is planned and given to competent staff with adequate resources; "
        "progress is reviewed against customer needs and plan changes are approved.",
        ("5.4.3",),
        "Development plans and reviews",
    ),
    _row(
        "7.2.1.7",
        "Deviations from methods",
        "A method may be departed from only when the deviation is documented, technically "
        "justified, authorized and accepted by the customer.",
        ("5.4.1",),
        "Approved deviation records",
    ),
    _row(
        "7.2.2",
        "Validation of methods",
        "Non-standard, lab-developed and modified or out-of-scope standard methods are "
        "validated to the extent needed, with records.",
        ("5.4.4", "5.4.5"),
        "Method validation reports",
    ),
    _row(
        "7.2.2.1",
        "Methods requiring validation",
        "Non-standard methods, lab-developed methods, and standard methods used outside their "
        "intended scope or otherwise modified are validated as extensively as the application "
        "needs.",
        ("5.4.4", "5.4.5.2"),
        "Validation plans and reports",
    ),
    _row(
        "7.2.2.2",
        "Changes to validated methods",
        "When a validated method changes, the effect is assessed and the method is revalidated "
        "if the original validation is affected.",
        ("5.4.5.2",),
        "Change impact assessments; revalidation",
    ),
    _row(
        "7.2.2.3",
        "Performance characteristics",
        "The performance characteristics established for a validated method match the "
        "customer's needs and the specified requirements.",
        ("5.4.5.3",),
        "Validation report: performance characteristics",
    ),
    _row(
        "7.2.2.4",
        "Validation records",
        "Validation records show the procedure used, the requirements, the performance "
        "characteristics found, the results, and a conclusion on fitness for intended use.",
        ("5.4.5.2",),
        "Validation reports with fitness-for-purpose statement",
    ),
    _row(
        "7.3",
        "Sampling",
        "Where the lab samples for later testing or calibration, it uses a sampling plan and "
        "method and records the sampling data.",
        ("5.7",),
        "Sampling plans and sampling records",
    ),
    _row(
        "7.3.1",
        "Sampling plan and method",
        "The lab has a sampling plan and method that address the factors controlling validity, "
        "available where sampling happens, and statistically based where reasonable.",
        ("5.7.1",),
        "Sampling plan",
    ),
    _row(
        "7.3.2",
        "Content of the sampling method",
        "The sampling method describes how samples or sites are chosen, the sampling plan, and "
        "how samples are prepared and treated to give the item for testing or calibration.",
        ("5.7.1",),
        "Sampling procedure",
    ),
    _row(
        "7.3.3",
        "Sampling records",
        "Sampling records include, as relevant, the method, date and time, sample "
        "identification, sampler, equipment, conditions, location, and any deviations from the "
        "plan or method.",
        ("5.7.2", "5.7.3"),
        "Sampling records",
    ),
    _row(
        "7.4",
        "Handling of test or calibration items",
        "Items are transported, received, identified, protected, stored, retained and disposed "
        "of or returned under control.",
        ("5.8",),
        "Item receipt log; chain of custody",
    ),
    _row(
        "7.4.1",
        "Item handling procedure",
        "A procedure covers transport, receipt, handling, protection, storage, retention and "
        "disposal or return of items, protecting their integrity and guarding against loss, "
        "damage or contamination, and following any handling instructions supplied.",
        ("5.8.1", "5.8.4"),
        "Item handling procedure",
    ),
    _row(
        "7.4.2",
        "Unambiguous item identification",
        "Items are uniquely identified while in the lab's care so they cannot be confused, "
        "including when subdivided or transferred.",
        ("5.8.2",),
        "Item labels; sample log",
    ),
    _row(
        "7.4.3",
        "Deviations on receipt",
        "Deviations from specified conditions on receipt are recorded; if suitability is in "
        "doubt the customer is consulted and the outcome recorded, and a disclaimer is reported "
        "when the customer still wants the work done.",
        ("5.8.3",),
        "Receipt records; customer consultation records",
    ),
    _row(
        "7.4.4",
        "Storage and conditioning",
        "Where items must be stored or conditioned under specified conditions, those conditions "
        "are maintained, monitored and recorded.",
        ("5.8.4",),
        "Storage condition logs",
    ),
    _row(
        "7.5",
        "Technical records",
        "Technical records allow the work to be understood and repeated, and amendments stay "
        "traceable to the original.",
        ("4.13",),
        "Worksheets, raw data, audit trails",
    ),
    _row(
        "7.5.1",
        "Content of technical records",
        "Records for each activity hold the results, the report and enough information to "
        "identify factors affecting the result and its uncertainty and to repeat the work; they "
        "show dates and who did and checked the work, recorded at the time.",
        ("4.13.2.1", "4.13.2.2"),
        "Worksheets and raw data with operator and checker",
    ),
    _row(
        "7.5.2",
        "Amendments to technical records",
        "Changes to technical records can be traced to earlier versions or original "
        "observations; original and amended data are both kept, with the date, what changed and "
        "who changed it.",
        ("4.13.2.3",),
        "Audit trail showing who/when/what changed, original retained",
    ),
    _row(
        "7.6",
        "Evaluation of measurement uncertainty",
        "Contributions to measurement uncertainty are identified and uncertainty is evaluated "
        "for calibrations and, as far as possible, for tests.",
        ("5.4.6",),
        "Uncertainty budgets",
    ),
    _row(
        "7.6.1",
        "Identifying uncertainty contributions",
        "All significant contributions to uncertainty, including those from sampling, are "
        "identified and taken into account using suitable methods of analysis.",
        ("5.4.6.3",),
        "Uncertainty budgets listing contributions",
    ),
    _row(
        "7.6.2",
        "Uncertainty for calibrations",
        "A lab performing calibrations, including of its own equipment, evaluates uncertainty "
        "for all of them.",
        ("5.4.6.1",),
        "Calibration uncertainty budgets",
    ),
    _row(
        "7.6.3",
        "Uncertainty for testing",
        "A testing lab evaluates measurement uncertainty; where the method prevents a rigorous "
        "evaluation, an estimate is made from theoretical understanding or practical experience "
        "of the method's performance.",
        ("5.4.6.2",),
        "Test uncertainty estimates",
    ),
    _row(
        "7.7",
        "Ensuring the validity of results",
        "Validity of results is monitored internally and by comparison with other labs, and the "
        "data are analysed and acted on.",
        ("5.9",),
        "QC data and charts; PT plan and results",
    ),
    _row(
        "7.7.1",
        "Internal monitoring of validity",
        "A procedure for monitoring validity records data so trends show, applies statistics "
        "where practicable, and plans and reviews activities such as reference materials, "
        "replicate tests, intermediate checks, retesting, blind samples and intralab "
        "comparisons.",
        ("5.9.1",),
        "QC plan; control charts",
    ),
    _row(
        "7.7.2",
        "Comparison with other laboratories",
        "Where available and appropriate, the lab monitors its performance against other labs "
        "through planned and reviewed proficiency testing and/or other interlaboratory "
        "comparisons.",
        ("5.9.1",),
        "PT/ILC plan and results",
    ),
    _row(
        "7.7.2 a",
        "Proficiency testing",
        "Participation in proficiency testing.",
        (),
        "PT reports",
    ),
    _row(
        "7.7.2 b",
        "Other interlaboratory comparisons",
        "Participation in interlaboratory comparisons other than proficiency testing.",
        (),
        "ILC reports",
    ),
    _row(
        "7.7.3",
        "Analysis and action on monitoring data",
        "Monitoring data are analysed and used to control and improve activities; results "
        "outside predefined criteria trigger action to stop incorrect results being reported.",
        ("5.9.2",),
        "Trend reviews; actions on QC/PT failures",
    ),
    _row(
        "7.8",
        "Reporting of results",
        "Results are reviewed, authorized and reported accurately with the required content, "
        "including conformity statements, opinions and amendments where applicable.",
        ("5.10",),
        "Issued reports and certificates",
    ),
    _row(
        "7.8.1",
        "General",
        "General reporting requirements: review and authorization before release, accurate and "
        "clear reporting, and simplified reporting where agreed.",
        ("5.10.1",),
        "Report review records",
    ),
    _row(
        "7.8.1.1",
        "Review and authorization before release",
        "Results are reviewed and authorized before they are released.",
        (),
        "Report approval signatures",
    ),
    _row(
        "7.8.1.2",
        "Accurate, clear and objective reporting",
        "Results are reported accurately, clearly, unambiguously and objectively, normally in a "
        "report that includes what the customer agreed, what is needed to interpret the results "
        "and what the method requires; issued reports are kept as technical records.",
        ("5.10.1",),
        "Report template; archive of issued reports",
    ),
    _row(
        "7.8.1.3",
        "Simplified reporting",
        "If agreed with the customer, results may be reported in simplified form, but "
        "information from 7.8.2 to 7.8.7 that is left out stays readily available.",
        ("5.10.1",),
        "Customer agreement for simplified reports",
    ),
    _row(
        "7.8.2",
        "Common requirements for reports (test, calibration or sampling)",
        "The minimum content that every report carries, and the lab's responsibility for it.",
        ("5.10.2",),
        "Report template",
    ),
    _row(
        "7.8.2.1",
        "Minimum report content",
        "Each report carries the listed minimum information unless the lab has valid reasons "
        "not to, so that misunderstanding or misuse is unlikely.",
        ("5.10.2",),
        "Report template mapped to items a-p",
    ),
    _row("7.8.2.1 a", "Report title", "A title for the report.", (), "Report template"),
    _row(
        "7.8.2.1 b",
        "Laboratory name and address",
        "The name and address of the laboratory.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 c",
        "Location of the activities",
        "Where the work was performed, including customer sites, sites away from the permanent "
        "facilities, or temporary or mobile facilities.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 d",
        "Unique identification and clear end",
        "Unique identification so every part is recognised as belonging to the complete report, "
        "and a clear indication of its end.",
        (),
        "Report numbering; page x of y",
    ),
    _row(
        "7.8.2.1 e",
        "Customer name and contact",
        "The customer's name and contact information.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 f",
        "Method used",
        "Identification of the method used.",
        (),
        "Report template: method and revision",
    ),
    _row(
        "7.8.2.1 g",
        "Item description and condition",
        "A description and unambiguous identification of the item and, where needed, its "
        "condition.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 h",
        "Date of receipt and of sampling",
        "The date the item was received and, where critical to the results, the sampling date.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 i",
        "Date(s) of the activity",
        "The date or dates on which the work was performed.",
        (),
        "Report template",
    ),
    _row("7.8.2.1 j", "Date of issue", "The date the report was issued.", (), "Report template"),
    _row(
        "7.8.2.1 k",
        "Sampling plan and method reference",
        "Reference to the sampling plan and method used, where relevant to the validity or use "
        "of the results.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 l",
        "Results relate only to items",
        "A statement that the results relate only to the items tested, calibrated or sampled.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 m",
        "Results with units",
        "The results, with units of measurement where appropriate.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.1 n",
        "Additions, deviations and exclusions",
        "Any additions to, deviations from or exclusions from the method.",
        (),
        "Report template; deviation records",
    ),
    _row(
        "7.8.2.1 o",
        "Person authorizing the report",
        "Identification of the person or persons who authorized the report.",
        (),
        "Report signatory",
    ),
    _row(
        "7.8.2.1 p",
        "Results from external providers",
        "Clear identification of results supplied by external providers.",
        (),
        "Report template",
    ),
    _row(
        "7.8.2.2",
        "Responsibility for report content",
        "The lab is responsible for all report content except customer-supplied information, "
        "which is clearly marked, with a disclaimer where it could affect validity; if the lab "
        "did not sample, results apply to the sample as received.",
        (),
        "Report template disclaimers",
    ),
    _row(
        "7.8.3",
        "Specific requirements for test reports",
        "Additional content for test reports where needed to interpret the results.",
        ("5.10.3",),
        "Test report template",
    ),
    _row(
        "7.8.3.1",
        "Additional content of test reports",
        "Where needed for interpretation, test reports add test conditions, conformity "
        "statements, measurement uncertainty when relevant, opinions and interpretations, and "
        "any further information required by methods, authorities or customers.",
        ("5.10.3.1",),
        "Test report template",
    ),
    _row(
        "7.8.3.1 a",
        "Specific test conditions",
        "Information on specific test conditions, such as environmental conditions.",
        (),
        "Test report template",
    ),
    _row(
        "7.8.3.1 b",
        "Statement of conformity",
        "Where relevant, a statement of conformity with requirements or specifications.",
        (),
        "Test report template",
    ),
    _row(
        "7.8.3.1 c",
        "Measurement uncertainty in test reports",
        "Where applicable, the uncertainty in the unit of the measurand or in relative terms, "
        "when relevant to validity or use, requested by the customer, or affecting conformity "
        "to a limit.",
        (),
        "Test reports showing uncertainty",
    ),
    _row(
        "7.8.3.1 d",
        "Opinions and interpretations",
        "Where appropriate, opinions and interpretations.",
        (),
        "Test report template",
    ),
    _row(
        "7.8.3.1 e",
        "Additional required information",
        "Any additional information required by specific methods, authorities, customers or "
        "groups of customers.",
        (),
        "Test report template",
    ),
    _row(
        "7.8.3.2",
        "Test reports when the lab sampled",
        "If the lab was responsible for sampling, test reports also meet the sampling reporting "
        "requirements where needed for interpretation.",
        ("5.10.3.2",),
        "Test report template",
    ),
    _row(
        "7.8.4",
        "Specific requirements for calibration certificates",
        "Additional content and restrictions for calibration certificates.",
        ("5.10.4",),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1",
        "Additional content of calibration certificates",
        "Calibration certificates add the measurement uncertainty, influential conditions, how "
        "traceability is achieved, results before and after any adjustment or repair, and "
        "conformity statements or opinions where relevant.",
        ("5.10.4.1", "5.10.4.2"),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1 a",
        "Uncertainty of the result",
        "The measurement uncertainty, in the unit of the measurand or in relative terms.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1 b",
        "Calibration conditions",
        "Conditions during calibration, such as environmental ones, that influence the results.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1 c",
        "Traceability statement",
        "A statement of how the measurements are metrologically traceable.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1 d",
        "Results before and after adjustment",
        "Results before and after any adjustment or repair, if available.",
        (),
        "As-found / as-left data",
    ),
    _row(
        "7.8.4.1 e",
        "Statement of conformity",
        "Where relevant, a statement of conformity with requirements or specifications.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.1 f",
        "Opinions and interpretations",
        "Where appropriate, opinions and interpretations.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.2",
        "Calibration certificates when the lab sampled",
        "If the lab was responsible for sampling, calibration certificates also meet the "
        "sampling reporting requirements where needed for interpretation.",
        (),
        "Calibration certificate template",
    ),
    _row(
        "7.8.4.3",
        "No recommended calibration interval",
        "Calibration certificates and labels do not recommend a calibration interval unless "
        "this has been agreed with the customer.",
        ("5.10.4.4",),
        "Calibration certificate template",
    ),
    _row(
        "7.8.5",
        "Reporting sampling - specific requirements",
        "When the lab did the sampling, reports add as needed the sampling date, identification "
        "of what was sampled, location, plan and method, relevant conditions, and information "
        "needed to evaluate uncertainty in later testing or calibration.",
        ("5.10.3.2",),
        "Sampling report template",
    ),
    _row(
        "7.8.6",
        "Reporting statements of conformity",
        "Conformity statements use a documented decision rule that accounts for risk and "
        "clearly state what they apply to.",
        ("5.10.3.1", "5.10.4.2"),
        "Decision rule procedure; reports with conformity statements",
    ),
    _row(
        "7.8.6.1",
        "Documented decision rule",
        "When giving a conformity statement, the lab documents and applies a decision rule that "
        "considers the associated risk (e.g. false accept and false reject), unless the rule is "
        "prescribed by the customer, a regulation or a normative document.",
        ("5.10.3.1", "5.10.4.2"),
        "Decision rule procedure",
    ),
    _row(
        "7.8.6.2",
        "Content of conformity statements",
        "The statement makes clear which results it covers, which specifications or parts of "
        "them are met or not met, and the decision rule applied (unless inherent).",
        ("5.10.3.1", "5.10.4.2"),
        "Reports with conformity statements",
    ),
    _row(
        "7.8.6.2 a",
        "Results covered by the statement",
        "Which results the conformity statement applies to.",
        (),
        "Report wording",
    ),
    _row(
        "7.8.6.2 b",
        "Specifications met or not met",
        "Which specifications, standards or parts of them are met or not met.",
        (),
        "Report wording",
    ),
    _row(
        "7.8.6.2 c",
        "Decision rule applied",
        "The decision rule applied, unless it is inherent in the requested specification or "
        "standard.",
        (),
        "Report wording",
    ),
    _row(
        "7.8.7",
        "Reporting opinions and interpretations",
        "Opinions and interpretations are released only by authorized staff, have a documented "
        "basis, and are clearly identified.",
        ("5.10.5",),
        "Authorization for opinions; reports",
    ),
    _row(
        "7.8.7.1",
        "Authorized personnel and documented basis",
        "Only staff authorized to give opinions and interpretations release them, and the basis "
        "for them is documented.",
        ("5.10.5",),
        "Authorization records; basis for opinions",
    ),
    _row(
        "7.8.7.2",
        "Basis in results and clear identification",
        "Opinions and interpretations rest on results from the item concerned and are clearly "
        "marked as such.",
        ("5.10.5",),
        "Reports",
    ),
    _row(
        "7.8.7.3",
        "Record of verbal opinions",
        "When opinions and interpretations are given in direct dialogue with the customer, a "
        "record of the dialogue is kept.",
        ("5.10.5",),
        "Records of customer conversations",
    ),
    _row(
        "7.8.8",
        "Amendments to reports",
        "Changes to issued reports are clearly identified and made through a further document or "
        "a uniquely identified replacement.",
        ("5.10.9",),
        "Amended reports with reasons",
    ),
    _row(
        "7.8.8.1",
        "Identifying changes to issued reports",
        "When an issued report must be changed, amended or reissued, the changed information is "
        "clearly identified and, where appropriate, the reason is given.",
        ("5.10.9",),
        "Amended reports",
    ),
    _row(
        "7.8.8.2",
        "Form of amendments",
        "An amendment after issue is made only as a further document or data transfer that "
        "states it amends the identified report, and it meets all requirements of the standard.",
        ("5.10.9",),
        "Amendment documents",
    ),
    _row(
        "7.8.8.3",
        "Complete replacement reports",
        "A complete new report is uniquely identified and refers to the original it replaces.",
        ("5.10.9",),
        "Replacement reports referencing originals",
    ),
    _row(
        "7.9",
        "Complaints",
        "A documented process receives, evaluates, decides on and closes complaints, with "
        "independent review of outcomes.",
        ("4.8",),
        "Complaint log",
    ),
    _row(
        "7.9.1",
        "Documented complaints process",
        "The lab has a documented process for receiving and evaluating complaints and deciding "
        "on them.",
        ("4.8",),
        "Complaints procedure",
    ),
    _row(
        "7.9.2",
        "Availability and scope of the process",
        "A description of the complaints process is available to interested parties on "
        "request; the lab confirms whether a complaint concerns its activities, handles it if "
        "so, and owns all decisions.",
        ("4.8",),
        "Published complaints process",
    ),
    _row(
        "7.9.3",
        "Elements of the complaints process",
        "The process covers receiving, validating, investigating and deciding on complaints, "
        "tracking and recording them with the actions taken, and making sure appropriate action "
        "follows.",
        ("4.8",),
        "Complaint log with actions",
    ),
    _row(
        "7.9.4",
        "Gathering and verifying information",
        "The lab receiving a complaint gathers and verifies the information needed to validate it.",
        ("4.8",),
        "Complaint investigation records",
    ),
    _row(
        "7.9.5",
        "Acknowledgement and progress reports",
        "Where possible, the lab acknowledges the complaint and keeps the complainant informed "
        "of progress and outcome.",
        ("4.8",),
        "Correspondence with complainant",
    ),
    _row(
        "7.9.6",
        "Independent review of outcomes",
        "Outcomes communicated to the complainant are made, or reviewed and approved, by "
        "someone not involved in the activities complained about.",
        ("4.8",),
        "Approval by independent person",
    ),
    _row(
        "7.9.7",
        "Formal closure notice",
        "Where possible, the lab formally tells the complainant that handling of the complaint "
        "has ended.",
        ("4.8",),
        "Closure letters",
    ),
    _row(
        "7.10",
        "Nonconforming work",
        "Work that departs from procedures or customer requirements is controlled, its impact "
        "evaluated, and corrective action taken when it could recur.",
        ("4.9",),
        "NC records incl. impact of out-of-tolerance equipment",
    ),
    _row(
        "7.10.1",
        "Nonconforming work procedure",
        "A procedure applies when any activity or result does not meet the lab's procedures or "
        "agreed customer requirements, defining responsibilities, risk-based actions, impact "
        "evaluation, acceptability decisions, customer notification or recall, and resumption.",
        ("4.9.1",),
        "Nonconforming work procedure; NC log",
    ),
    _row(
        "7.10.1 a",
        "Responsibilities and authorities",
        "Responsibilities and authorities for managing nonconforming work are defined.",
        (),
        "Procedure",
    ),
    _row(
        "7.10.1 b",
        "Risk-based actions",
        "Actions, such as stopping or repeating work and holding back reports, are based on the "
        "lab's risk levels.",
        (),
        "NC records: actions taken",
    ),
    _row(
        "7.10.1 c",
        "Significance and impact on previous results",
        "The significance of the nonconforming work is evaluated, including impact on earlier "
        "results.",
        (),
        "Impact assessments",
    ),
    _row(
        "7.10.1 d",
        "Decision on acceptability",
        "A decision is taken on whether the nonconforming work is acceptable.",
        (),
        "NC records: disposition",
    ),
    _row(
        "7.10.1 e",
        "Customer notification and recall",
        "Where necessary, the customer is notified and work is recalled.",
        (),
        "Customer notifications; recall records",
    ),
    _row(
        "7.10.1 f",
        "Authorizing resumption of work",
        "Responsibility for authorizing work to resume is defined.",
        (),
        "NC records: resumption approval",
    ),
    _row(
        "7.10.2",
        "Records of nonconforming work",
        "Records are kept of nonconforming work and of the actions described in 7.10.1 b to f.",
        ("4.9.1",),
        "NC records",
    ),
    _row(
        "7.10.3",
        "Corrective action for recurrence",
        "If nonconforming work could happen again, or conformity with the management system is "
        "in doubt, corrective action is taken.",
        ("4.9.2",),
        "Link from NC to corrective action",
    ),
    _row(
        "7.11",
        "Control of data and information management",
        "Data and information systems used for lab activities are validated, protected, "
        "maintained and documented, and calculations and transfers are checked.",
        ("5.4.7",),
        "Software validation, access control, tamper protection",
    ),
    _row(
        "7.11.1",
        "Access to data and information",
        "The lab has access to the data and information it needs to carry out its activities.",
        (),
        "System inventory",
    ),
    _row(
        "7.11.2",
        "Validation of information management systems",
        "Systems used to collect, process, record, report, store or retrieve data are validated "
        "for functionality (including interfaces) before use, and changes are authorized, "
        "documented and validated before going live.",
        ("5.4.7.2",),
        "Software validation reports; change records",
    ),
    _row(
        "7.11.3",
        "Protection and integrity of information systems",
        "Information management systems are protected from unauthorized access, safeguarded "
        "against tampering and loss, run in a suitable environment, maintained to keep data "
        "intact, and record failures with the actions taken.",
        ("5.4.7.2",),
        "Access control, backups, audit trail, failure log",
    ),
    _row(
        "7.11.3 a",
        "Protection from unauthorized access",
        "The system is protected from unauthorized access.",
        (),
        "User/role lists; access reviews",
    ),
    _row(
        "7.11.3 b",
        "Safeguarded against tampering and loss",
        "The system is safeguarded against tampering and loss.",
        (),
        "Audit trail; backups and restore tests",
    ),
    _row(
        "7.11.3 c",
        "Suitable operating environment",
        "The system runs in an environment meeting the provider's or lab's specifications; for "
        "paper systems, conditions protect the accuracy of manual recording and transcription.",
        (),
        "Hosting specifications",
    ),
    _row(
        "7.11.3 d",
        "Maintained for data integrity",
        "The system is maintained so the integrity of data and information is ensured.",
        (),
        "Maintenance and update records",
    ),
    _row(
        "7.11.3 e",
        "Recording system failures",
        "System failures are recorded together with the immediate and corrective actions taken.",
        (),
        "Incident log",
    ),
    _row(
        "7.11.4",
        "Externally managed systems",
        "If an information system is managed off-site or by an external provider, the lab makes "
        "sure the provider or operator meets the applicable requirements of the standard.",
        (),
        "Hosting agreement; provider evaluation",
    ),
    _row(
        "7.11.5",
        "System instructions available",
        "Instructions, manuals and reference data for the information systems are readily "
        "available to staff.",
        (),
        "User guides",
    ),
    _row(
        "7.11.6",
        "Checking calculations and data transfers",
        "Calculations and data transfers are checked appropriately and systematically.",
        ("5.4.7.1",),
        "Spreadsheet/calculation verification records",
    ),
    # ------------------------------------------------------------------ 8 Management system
    _row(
        "8",
        "Management system requirements",
        "The laboratory runs a management system under Option A (clauses 8.2 to 8.9) or "
        "Option B (an ISO 9001 system that also meets clauses 4 to 7).",
        (),
    ),
    _row(
        "8.1",
        "Options",
        "The lab chooses Option A or Option B for its management system.",
        ("4.2",),
        "Quality manual stating the option",
    ),
    _row(
        "8.1.1",
        "General",
        "The lab establishes, documents, implements and maintains a management system able to "
        "support and show consistent fulfilment of the standard and the quality of results, "
        "under Option A or B.",
        ("4.2.1",),
        "Quality manual",
    ),
    _row(
        "8.1.2",
        "Option A",
        "Under Option A the management system covers at least documentation, document control, "
        "records, risks and opportunities, improvement, corrective action, internal audits and "
        "management review (8.2 to 8.9).",
        ("4.2.1",),
        "Quality manual cross-reference to 8.2-8.9",
    ),
    _row(
        "8.1.3",
        "Option B",
        "A lab with an ISO 9001 management system that supports fulfilment of clauses 4 to 7 "
        "also meets at least the intent of 8.2 to 8.9.",
        (),
        "ISO 9001 certificate and cross-reference",
    ),
    _row(
        "8.2",
        "Management system documentation (Option A)",
        "Policies and objectives are documented, communicated and implemented, and all related "
        "documentation is part of, or linked to, the management system.",
        ("4.2",),
        "Quality manual, policies",
    ),
    _row(
        "8.2.1",
        "Policies and objectives",
        "Management sets, documents and maintains policies and objectives for meeting the "
        "standard and makes sure they are understood and applied throughout the lab.",
        ("4.2.2",),
        "Quality policy and objectives; acknowledgement records",
    ),
    _row(
        "8.2.2",
        "Competence, impartiality and consistency",
        "Policies and objectives address the lab's competence, impartiality and consistent "
        "operation.",
        ("4.2.2",),
        "Quality policy",
    ),
    _row(
        "8.2.3",
        "Evidence of management commitment",
        "Management shows evidence of its commitment to developing and implementing the "
        "management system and continually improving its effectiveness.",
        ("4.2.3",),
        "Management review minutes; resource decisions",
    ),
    _row(
        "8.2.4",
        "Documentation linked to the system",
        "All documentation, processes, systems and records used to meet the standard are "
        "included in, referenced from or linked to the management system.",
        ("4.2.5",),
        "Master list of documents",
    ),
    _row(
        "8.2.5",
        "Staff access to documentation",
        "Staff involved in lab activities can access the parts of the management system "
        "documentation relevant to their responsibilities.",
        ("4.2.1",),
        "Document distribution / access records",
    ),
    _row(
        "8.3",
        "Control of management system documents (Option A)",
        "Internal and external documents relating to the standard are controlled: approved, "
        "reviewed, identified, available where needed, and protected against obsolete use.",
        ("4.3",),
        "Master list, approvals, review dates, obsolete handling",
    ),
    _row(
        "8.3.1",
        "Documents to be controlled",
        "The lab controls internal and external documents relating to meeting the standard, "
        "such as policies, procedures, specifications, manufacturer instructions, tables, "
        "standards and similar material.",
        ("4.3.1",),
        "Master list of internal and external documents",
    ),
    _row(
        "8.3.2",
        "Document control measures",
        "Documents are approved before issue, periodically reviewed, have identified changes "
        "and revision status, are available at points of use, are uniquely identified, and "
        "obsolete versions cannot be used unintentionally.",
        ("4.3.2", "4.3.3"),
        "Document control procedure; master list",
    ),
    _row(
        "8.3.2 a",
        "Approval of documents before issue",
        "Documents are approved as adequate by authorized personnel before they are issued.",
        ("4.3.2.1",),
        "Approval signature by someone other than the author",
    ),
    _row(
        "8.3.2 b",
        "Periodic review of documents",
        "Documents are reviewed periodically and updated when necessary.",
        ("4.3.2.2",),
        "Review dates and review records per document",
    ),
    _row(
        "8.3.2 c",
        "Changes and revision status identified",
        "Changes to documents and their current revision status are identified.",
        ("4.3.2.1", "4.3.3.2"),
        "Revision labels; change summaries; redlines",
    ),
    _row(
        "8.3.2 d",
        "Current versions at points of use",
        "The relevant versions of applicable documents are available where they are used, with "
        "distribution controlled where necessary.",
        ("4.3.2.2",),
        "Controlled distribution; read-and-acknowledge records",
    ),
    _row(
        "8.3.2 e",
        "Unique identification of documents",
        "Each document is uniquely identified.",
        ("4.3.2.3",),
        "Document numbers and revision labels",
    ),
    _row(
        "8.3.2 f",
        "Preventing use of obsolete documents",
        "Obsolete documents are prevented from unintended use and suitably marked if they are "
        "kept for any reason.",
        ("4.3.2.1", "4.3.2.2"),
        "Superseded/withdrawn status; obsolete stamps",
    ),
    _row(
        "8.4",
        "Control of records (Option A)",
        "Legible records demonstrating conformity are kept and controlled for identification, "
        "storage, protection, back-up, retrieval, retention and disposal.",
        ("4.13",),
        "Records procedure; retention schedule; backups",
    ),
    _row(
        "8.4.1",
        "Keeping records",
        "The lab creates and keeps legible records that show the requirements of the standard "
        "are met.",
        ("4.13.1.1",),
        "Records index",
    ),
    _row(
        "8.4.2",
        "Records controls and retention",
        "Controls cover identification, storage, protection, back-up, archiving, retrieval, "
        "retention period and disposal of records; retention matches contractual obligations "
        "and access respects confidentiality while records stay readily available.",
        ("4.13.1.2", "4.13.1.3", "4.13.1.4"),
        "Retention schedule; backup and restore records",
    ),
    _row(
        "8.5",
        "Actions to address risks and opportunities (Option A)",
        "Risks and opportunities of lab activities are considered and actions planned, "
        "integrated and evaluated in proportion to their impact on results.",
        ("4.12",),
        "Risk register",
    ),
    _row(
        "8.5.1",
        "Considering risks and opportunities",
        "The lab considers its risks and opportunities so the management system achieves its "
        "aims, opportunities are pursued, undesired effects and failures are prevented or "
        "reduced, and improvement is achieved.",
        ("4.12.1",),
        "Risk and opportunity register",
    ),
    _row(
        "8.5.2",
        "Planning actions",
        "The lab plans actions for its risks and opportunities, how to build them into the "
        "management system, and how to evaluate whether they worked.",
        ("4.12.2",),
        "Action plans with effectiveness review",
    ),
    _row(
        "8.5.3",
        "Proportionate actions",
        "Actions on risks and opportunities are proportionate to their potential impact on the "
        "validity of results.",
        (),
        "Risk ratings vs. actions",
    ),
    _row(
        "8.6",
        "Improvement (Option A)",
        "Improvement opportunities are identified and acted on, and customer feedback is sought "
        "and used.",
        ("4.10",),
        "Improvement log; customer feedback",
    ),
    _row(
        "8.6.1",
        "Identifying and acting on improvements",
        "The lab identifies and selects improvement opportunities (e.g. from audits, data "
        "analysis, risk assessment, PT results, staff suggestions) and takes the actions "
        "needed.",
        ("4.10",),
        "Improvement log",
    ),
    _row(
        "8.6.2",
        "Customer feedback",
        "The lab seeks positive and negative feedback from customers and analyses it to improve "
        "the management system, its activities and customer service.",
        ("4.7.2",),
        "Customer surveys and their analysis",
    ),
    _row(
        "8.7",
        "Corrective actions (Option A)",
        "Nonconformities are corrected, their causes analysed and removed, and the "
        "effectiveness of corrective actions reviewed, with records.",
        ("4.11",),
        "CAPA records with root cause and effectiveness check",
    ),
    _row(
        "8.7.1",
        "Responding to nonconformities",
        "When a nonconformity occurs the lab controls and corrects it, evaluates the need to "
        "remove its causes, implements actions, reviews their effectiveness, and updates risks "
        "and the management system if needed.",
        ("4.11.1", "4.11.2", "4.11.4"),
        "Corrective action records",
    ),
    _row(
        "8.7.1 a",
        "React to the nonconformity",
        "React to the nonconformity: control and correct it and deal with the consequences.",
        (),
        "CA records: correction",
    ),
    _row(
        "8.7.1 b",
        "Evaluate need to remove causes",
        "Decide whether action is needed to remove the cause so it does not recur or occur "
        "elsewhere, by reviewing the nonconformity, finding its causes and looking for similar "
        "cases.",
        (),
        "CA records: root cause analysis",
    ),
    _row(
        "8.7.1 c",
        "Implement actions",
        "Implement any action needed.",
        (),
        "CA records: actions with owners and dates",
    ),
    _row(
        "8.7.1 d",
        "Review effectiveness",
        "Review how effective the corrective action was.",
        (),
        "CA records: effectiveness check",
    ),
    _row(
        "8.7.1 e",
        "Update risks and opportunities",
        "Update the risks and opportunities identified in planning, if needed.",
        (),
        "Risk register updates",
    ),
    _row(
        "8.7.1 f",
        "Change the management system",
        "Make changes to the management system, if needed.",
        (),
        "Document revisions triggered by CA",
    ),
    _row(
        "8.7.2",
        "Proportionate corrective actions",
        "Corrective actions fit the effects of the nonconformities found.",
        ("4.11.3",),
        "CA records",
    ),
    _row(
        "8.7.3",
        "Corrective action records",
        "Records show the nature of each nonconformity, its causes, the actions taken and the "
        "results of the corrective action.",
        ("4.11.3",),
        "CAPA log",
    ),
    _row(
        "8.8",
        "Internal audits (Option A)",
        "Internal audits at planned intervals check that the management system conforms to the "
        "lab's own requirements and the standard and is effectively implemented.",
        ("4.14",),
        "Audit programme and reports, at planned intervals",
    ),
    _row(
        "8.8.1",
        "Purpose of internal audits",
        "The lab audits itself at planned intervals to find out whether its management system "
        "conforms to its own requirements and to the standard, and is effectively implemented "
        "and maintained.",
        ("4.14.1",),
        "Audit schedule; audit reports",
    ),
    _row(
        "8.8.2",
        "Audit programme",
        "The lab runs an audit programme (frequency, methods, responsibilities, planning and "
        "reporting) informed by importance, changes and past results; defines criteria and "
        "scope per audit; reports results to management; acts without undue delay; keeps "
        "records.",
        ("4.14.1", "4.14.2", "4.14.3", "4.14.4"),
        "Audit programme; audit reports; findings and actions",
    ),
    _row(
        "8.9",
        "Management reviews (Option A)",
        "Management reviews the management system at planned intervals using the specified "
        "inputs and records the resulting decisions and actions.",
        ("4.15",),
        "Review minutes covering the required inputs, at planned intervals",
    ),
    _row(
        "8.9.1",
        "Purpose and frequency of management review",
        "Management reviews the management system at planned intervals to confirm it remains "
        "suitable, adequate and effective, including its policies and objectives.",
        ("4.15.1",),
        "Management review schedule and minutes",
    ),
    _row(
        "8.9.2",
        "Management review inputs",
        "Inputs to the review are recorded and cover the listed topics, from internal and "
        "external changes through audits, corrective actions, feedback, complaints, resources "
        "and risks to validity monitoring and training.",
        ("4.15.1",),
        "Management review agenda/minutes covering items a-o",
    ),
    _row(
        "8.9.2 a",
        "Changes in internal and external issues",
        "Changes in internal and external issues relevant to the lab.",
        (),
        "Review minutes",
    ),
    _row("8.9.2 b", "Fulfilment of objectives", "Whether objectives were met.", (), "Minutes"),
    _row(
        "8.9.2 c",
        "Suitability of policies and procedures",
        "Whether policies and procedures are still suitable.",
        (),
        "Review minutes",
    ),
    _row(
        "8.9.2 d",
        "Actions from previous reviews",
        "Status of actions from earlier management reviews.",
        (),
        "Action tracker",
    ),
    _row(
        "8.9.2 e",
        "Recent internal audits",
        "Outcome of recent internal audits.",
        (),
        "Audit summary",
    ),
    _row("8.9.2 f", "Corrective actions", "Corrective actions.", (), "CAPA summary"),
    _row(
        "8.9.2 g",
        "Assessments by external bodies",
        "Assessments by external bodies, such as accreditation assessments.",
        (),
        "Assessment reports",
    ),
    _row(
        "8.9.2 h",
        "Changes in volume, type or range of work",
        "Changes in the volume and type of work or in the range of lab activities.",
        (),
        "Workload statistics",
    ),
    _row(
        "8.9.2 i",
        "Customer and personnel feedback",
        "Feedback from customers and staff.",
        (),
        "Feedback summary",
    ),
    _row("8.9.2 j", "Complaints", "Complaints received.", (), "Complaint log summary"),
    _row(
        "8.9.2 k",
        "Effectiveness of improvements",
        "How effective implemented improvements have been.",
        (),
        "Improvement log",
    ),
    _row("8.9.2 l", "Adequacy of resources", "Whether resources are adequate.", (), "Minutes"),
    _row(
        "8.9.2 m",
        "Results of risk identification",
        "Results of identifying risks.",
        (),
        "Risk register summary",
    ),
    _row(
        "8.9.2 n",
        "Assurance of validity of results",
        "Outcomes of activities that assure the validity of results, such as QC and PT.",
        (),
        "QC and PT summary",
    ),
    _row(
        "8.9.2 o",
        "Other relevant factors",
        "Other relevant factors, such as monitoring activities and training.",
        (),
        "Training and monitoring summary",
    ),
    _row(
        "8.9.3",
        "Management review outputs",
        "The review's outputs record all decisions and actions on the effectiveness of the "
        "management system, improvement of lab activities, the resources needed, and any need "
        "for change.",
        ("4.15.2",),
        "Management review minutes with decisions and actions",
    ),
    _row(
        "8.9.3 a",
        "Effectiveness of the management system",
        "Decisions and actions on the effectiveness of the management system and its processes.",
        (),
        "Review outputs",
    ),
    _row(
        "8.9.3 b",
        "Improvement of laboratory activities",
        "Decisions and actions on improving lab activities related to meeting the standard.",
        (),
        "Review outputs",
    ),
    _row(
        "8.9.3 c",
        "Provision of resources",
        "Decisions and actions on providing the resources required.",
        (),
        "Review outputs",
    ),
    _row(
        "8.9.3 d",
        "Need for change",
        "Decisions and actions on any need for change.",
        (),
        "Review outputs",
    ),
)

BY_NUMBER = MappingProxyType({row.number: row for row in CLAUSES})
