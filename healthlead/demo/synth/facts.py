"""The proportions behind synthetic staff: which come from published figures, which are assumed.

Published (NHS Digital / NHS England workforce statistics, via `demo/data/workforce.yaml`): the
staff-group mix, the share of managers and senior managers, doctors in training against
consultants, the headcount of trusts and ICBs, the number of ICBs. Everything else here (grade
shares within a staff group, the split of infrastructure support, trust sizes by kind, the
equality-answer shares) is Healthlead's rounded approximation, written down in
docs/synthetic-data.md so nobody mistakes it for a statistic.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from healthlead.people.models import CareerStage, Grade, StaffGroup

WORKFORCE_FILE = Path(__file__).resolve().parent.parent / "data" / "workforce.yaml"

G = StaffGroup

# workforce.yaml's staff-group categories -> Healthlead staff groups. Infrastructure support is
# split below; its managers and senior managers come to about 0.028 of all staff, as in the 2012
# census (37,314 of 1,358,295).
CATEGORY_GROUPS: dict[str, str] = {
    "nurses_and_health_visitors": G.NURSES,
    "doctors": G.DOCTORS,
    "midwives": G.MIDWIVES,
    "scientific_therapeutic_technical_incl_ahps": G.SCIENTIFIC,
    "support_to_clinical_staff": G.SUPPORT_CLINICAL,
    "ambulance_staff": G.AMBULANCE,
    "other": G.OTHER,
}
INFRASTRUCTURE_SPLIT: dict[str, float] = {
    G.CENTRAL: 0.54,
    G.ESTATES: 0.31,
    G.MANAGERS: 0.115,
    G.SENIOR_MANAGERS: 0.035,
}

# Organisation kinds for sizing and mix. Trust kinds are read from the trust's name (see kinds.py).
ACUTE = "acute"
MENTAL_HEALTH_COMMUNITY = "mental_health_community"
AMBULANCE = "ambulance"
SPECIALIST = "specialist"
ICB = "icb"
TRUST_KINDS = (ACUTE, MENTAL_HEALTH_COMMUNITY, AMBULANCE, SPECIALIST)

# Headcount. Trusts and ICBs together come to about 1.5 million (workforce.yaml: 1.4 million in
# trusts and about 25,000 in ICBs in 2023; 1.5 million FTE).
ENGLAND_TRUST_STAFF = 1_475_000
ENGLAND_ICB_STAFF = 25_000
TRUST_SCALE_STAFF = 7_000
# Median headcount by kind before scaling to the national total, and the spread (lognormal sigma).
TRUST_SIZE: dict[str, tuple[int, float]] = {
    ACUTE: (6_500, 0.45),
    MENTAL_HEALTH_COMMUNITY: (3_500, 0.35),
    AMBULANCE: (5_000, 0.25),
    SPECIALIST: (2_500, 0.35),
}
ICB_SIZE_SIGMA = 0.3
MINIMUM_ORGANISATION_STAFF = 300

# The 42 integrated care boards by NHS England region (NHS England's list of ICBs, July 2022).
ICBS_PER_REGION: dict[str, int] = {
    "Y56": 5,  # London
    "Y58": 7,  # South West
    "Y59": 6,  # South East
    "Y60": 11,  # Midlands
    "Y61": 6,  # East of England
    "Y62": 3,  # North West
    "Y63": 4,  # North East and Yorkshire
}


@cache
def workforce() -> dict[str, Any]:
    return yaml.safe_load(WORKFORCE_FILE.read_text())


def national_mix() -> dict[str, float]:
    """Share of each staff group across hospital and community health services (sums to 1)."""
    shares = workforce()["staff_group_mix_hchs_approx"]
    mix: dict[str, float] = {}
    for category, share in shares.items():
        if category == "infrastructure_support":
            for group, part in INFRASTRUCTURE_SPLIT.items():
                mix[group] = mix.get(group, 0.0) + share * part
        else:
            group = CATEGORY_GROUPS[category]
            mix[group] = mix.get(group, 0.0) + share
    total = sum(mix.values())
    return {group: share / total for group, share in mix.items()}


def _normalised(mix: dict[str, float]) -> dict[str, float]:
    total = sum(mix.values())
    return {group: share / total for group, share in mix.items() if share > 0}


def mix_for(kind: str) -> dict[str, float]:
    """The staff-group mix of one organisation kind.

    Ambulance staff work in ambulance trusts, so other trusts have none; midwives work in acute
    trusts. Ambulance trusts and ICBs have mixes of their own (assumed, see docs).
    """
    mix = dict(national_mix())
    if kind == AMBULANCE:
        return _normalised(
            {
                G.AMBULANCE: 0.60,
                G.SUPPORT_CLINICAL: 0.12,
                G.CENTRAL: 0.15,
                G.MANAGERS: 0.04,
                G.SENIOR_MANAGERS: 0.01,
                G.NURSES: 0.03,
                G.SCIENTIFIC: 0.02,
                G.DOCTORS: 0.005,
                G.ESTATES: 0.025,
                G.OTHER: 0.01,
            }
        )
    if kind == ICB:
        return _normalised(
            {
                G.CENTRAL: 0.42,
                G.MANAGERS: 0.22,
                G.SENIOR_MANAGERS: 0.08,
                G.NURSES: 0.12,
                G.SCIENTIFIC: 0.08,
                G.DOCTORS: 0.03,
                G.SUPPORT_CLINICAL: 0.03,
                G.OTHER: 0.02,
            }
        )
    mix[G.AMBULANCE] = 0.0
    if kind == MENTAL_HEALTH_COMMUNITY:
        mix[G.NURSES] += mix.pop(G.MIDWIVES)
    return _normalised(mix)


# Grades within each staff group (shares sum to 1). Doctors: doctors in training against
# consultants as in workforce.yaml (54,580 to 41,220 in 2013), with specialty doctors assumed at
# 11% of hospital doctors; the rest are Healthlead's approximations.
_TRAINING = {
    Grade.FY1: 0.08,
    Grade.FY2: 0.08,
    Grade.CT1: 0.035,
    Grade.CT2: 0.035,
    Grade.CT3: 0.025,
    Grade.ST1: 0.03,
    Grade.ST2: 0.03,
    Grade.ST3: 0.04,
    Grade.ST4: 0.04,
    Grade.ST5: 0.035,
    Grade.ST6: 0.035,
    Grade.ST7: 0.03,
    Grade.ST8: 0.015,
}


def _doctor_grades() -> dict[str, float]:
    grades = workforce()["medical_grades_2013"]
    in_training, consultants = grades["doctors_in_training"], grades["consultants"]
    specialty = 0.11
    training_share = (1 - specialty) * in_training / (in_training + consultants)
    scale = training_share / sum(_TRAINING.values())
    shares: dict[str, float] = {grade: share * scale for grade, share in _TRAINING.items()}
    shares[Grade.SPECIALTY_DOCTOR] = specialty
    shares[Grade.CONSULTANT] = 1 - specialty - training_share
    return shares


B = Grade
GRADE_SHARES: dict[str, dict[str, float]] = {
    G.NURSES: {
        B.BAND_5: 0.40,
        B.BAND_6: 0.32,
        B.BAND_7: 0.19,
        B.BAND_8A: 0.06,
        B.BAND_8B: 0.02,
        B.BAND_8C: 0.007,
        B.BAND_8D: 0.003,
    },
    G.MIDWIVES: {B.BAND_5: 0.18, B.BAND_6: 0.52, B.BAND_7: 0.22, B.BAND_8A: 0.06, B.BAND_8B: 0.02},
    G.SCIENTIFIC: {
        B.BAND_3: 0.05,
        B.BAND_4: 0.08,
        B.BAND_5: 0.20,
        B.BAND_6: 0.29,
        B.BAND_7: 0.25,
        B.BAND_8A: 0.08,
        B.BAND_8B: 0.035,
        B.BAND_8C: 0.01,
        B.BAND_8D: 0.005,
    },
    G.SUPPORT_CLINICAL: {B.BAND_2: 0.38, B.BAND_3: 0.41, B.BAND_4: 0.19, B.BAND_5: 0.02},
    G.CENTRAL: {
        B.BAND_2: 0.14,
        B.BAND_3: 0.30,
        B.BAND_4: 0.22,
        B.BAND_5: 0.12,
        B.BAND_6: 0.09,
        B.BAND_7: 0.07,
        B.BAND_8A: 0.035,
        B.BAND_8B: 0.015,
        B.BAND_8C: 0.005,
    },
    G.ESTATES: {
        B.BAND_1: 0.04,
        B.BAND_2: 0.60,
        B.BAND_3: 0.20,
        B.BAND_4: 0.08,
        B.BAND_5: 0.045,
        B.BAND_6: 0.02,
        B.BAND_7: 0.015,
    },
    G.MANAGERS: {
        B.BAND_7: 0.20,
        B.BAND_8A: 0.35,
        B.BAND_8B: 0.25,
        B.BAND_8C: 0.12,
        B.BAND_8D: 0.06,
        B.BAND_9: 0.02,
    },
    G.SENIOR_MANAGERS: {B.BAND_8C: 0.25, B.BAND_8D: 0.35, B.BAND_9: 0.30, B.VSM: 0.10},
    G.AMBULANCE: {
        B.BAND_3: 0.22,
        B.BAND_4: 0.15,
        B.BAND_5: 0.17,
        B.BAND_6: 0.36,
        B.BAND_7: 0.08,
        B.BAND_8A: 0.02,
    },
    G.OTHER: {B.BAND_2: 0.25, B.BAND_3: 0.25, B.BAND_4: 0.2, B.BAND_5: 0.15, B.BAND_6: 0.15},
}
GRADE_SHARES[G.DOCTORS] = _doctor_grades()

# Seniority used to build line-management trees: a manager is never junior to their reports.
RANK: dict[str, float] = {
    B.STUDENT: 0.0,
    B.BAND_1: 1.0,
    B.BAND_2: 2.0,
    B.BAND_3: 3.0,
    B.BAND_4: 4.0,
    B.BAND_5: 5.0,
    B.BAND_6: 6.0,
    B.BAND_7: 7.0,
    B.BAND_8A: 8.0,
    B.BAND_8B: 8.25,
    B.BAND_8C: 8.5,
    B.BAND_8D: 8.75,
    B.BAND_9: 9.0,
    B.VSM: 10.0,
    B.FY1: 5.0,
    B.FY2: 5.1,
    B.CT1: 5.2,
    B.CT2: 5.3,
    B.CT3: 5.4,
    B.ST1: 5.5,
    B.ST2: 5.6,
    B.ST3: 6.0,
    B.ST4: 6.2,
    B.ST5: 6.4,
    B.ST6: 6.6,
    B.ST7: 6.8,
    B.ST8: 7.0,
    B.SPECIALTY_DOCTOR: 7.5,
    B.CONSULTANT: 8.6,
}

S = CareerStage
EARLY_CAREER_YEARS = 3  # AfC bands 1-5 count as early career in their first three years
# The career stages a grade allows (the generator picks within these; tests check them).
STAGES_FOR_GRADE: dict[str, frozenset[str]] = {
    **{
        grade: frozenset({S.EARLY_CAREER, S.ESTABLISHED})
        for grade in (B.BAND_1, B.BAND_2, B.BAND_3, B.BAND_4, B.BAND_5)
    },
    B.BAND_6: frozenset({S.ESTABLISHED}),
    B.BAND_7: frozenset({S.ESTABLISHED}),
    **{
        grade: frozenset({S.SENIOR})
        for grade in (B.BAND_8A, B.BAND_8B, B.BAND_8C, B.BAND_8D, B.BAND_9)
    },
    B.VSM: frozenset({S.EXECUTIVE}),
    **{
        grade: frozenset({S.EARLY_CAREER})
        for grade in (B.FY1, B.FY2, B.CT1, B.CT2, B.CT3, B.ST1, B.ST2)
    },
    **{grade: frozenset({S.REGISTRAR}) for grade in (B.ST3, B.ST4, B.ST5, B.ST6, B.ST7, B.ST8)},
    B.SPECIALTY_DOCTOR: frozenset({S.ESTABLISHED}),
    B.CONSULTANT: frozenset({S.ESTABLISHED, S.SENIOR}),
    B.STUDENT: frozenset({S.STUDENT}),
}
# Years since the start of training, for doctors in training (they rotate each August).
TRAINING_YEAR: dict[str, int] = {
    B.FY1: 0,
    B.FY2: 1,
    B.CT1: 2,
    B.CT2: 3,
    B.CT3: 4,
    B.ST1: 2,
    B.ST2: 3,
    B.ST3: 4,
    B.ST4: 5,
    B.ST5: 6,
    B.ST6: 7,
    B.ST7: 8,
    B.ST8: 9,
}

# Occupations by staff group, from the most junior grade up: (lowest rank, title).
OCCUPATIONS: dict[str, list[tuple[float, list[str]]]] = {
    G.NURSES: [
        (5, ["Staff nurse", "Community nurse", "Mental health nurse", "Health visitor"]),
        (6, ["Senior staff nurse", "Specialist nurse", "District nurse"]),
        (7, ["Ward manager", "Clinical nurse specialist", "Advanced nurse practitioner"]),
        (8, ["Matron", "Nurse consultant"]),
        (8.5, ["Head of nursing", "Deputy chief nurse"]),
    ],
    G.MIDWIVES: [
        (5, ["Midwife"]),
        (6, ["Midwife", "Community midwife"]),
        (7, ["Midwife team leader", "Specialist midwife"]),
        (8, ["Maternity matron", "Head of midwifery"]),
    ],
    G.DOCTORS: [
        (5, ["Foundation doctor"]),
        (5.2, ["Core trainee"]),
        (5.5, ["Specialty trainee"]),
        (6, ["Specialty registrar"]),
        (7.5, ["Specialty doctor"]),
        (8.6, ["Consultant"]),
    ],
    G.SCIENTIFIC: [
        (3, ["Therapy assistant", "Pharmacy assistant", "Laboratory assistant"]),
        (4, ["Pharmacy technician", "Assistant practitioner", "Associate practitioner"]),
        (
            5,
            [
                "Physiotherapist",
                "Occupational therapist",
                "Diagnostic radiographer",
                "Biomedical scientist",
                "Operating department practitioner",
                "Dietitian",
                "Speech and language therapist",
                "Pharmacist",
                "Psychological wellbeing practitioner",
            ],
        ),
        (7, ["Clinical scientist", "Advanced practitioner", "Clinical psychologist"]),
        (8, ["Consultant practitioner", "Head of therapies", "Chief pharmacist"]),
    ],
    G.SUPPORT_CLINICAL: [
        (2, ["Healthcare assistant", "Clinical support worker", "Maternity support worker"]),
        (3, ["Senior healthcare assistant", "Phlebotomist", "Ward clerk"]),
        (4, ["Nursing associate", "Assistant practitioner"]),
        (5, ["Trainee practitioner"]),
    ],
    G.CENTRAL: [
        (2, ["Administrative assistant", "Receptionist"]),
        (3, ["Medical secretary", "Administrator", "Booking clerk"]),
        (4, ["Finance officer", "HR adviser", "IT support analyst", "Team administrator"]),
        (5, ["Management accountant", "Business analyst", "Data analyst"]),
        (7, ["Project manager", "Finance manager", "HR business partner"]),
        (8, ["Head of finance", "Head of people", "Head of digital services"]),
    ],
    G.ESTATES: [
        (1, ["Domestic assistant", "Catering assistant"]),
        (2, ["Porter", "Domestic assistant", "Catering assistant", "Housekeeper"]),
        (3, ["Electrician", "Plumber", "Security officer"]),
        (4, ["Estates supervisor", "Facilities supervisor"]),
        (6, ["Estates manager", "Facilities manager"]),
    ],
    G.MANAGERS: [
        (7, ["Service manager", "Operational manager"]),
        (8, ["General manager", "Senior operational manager"]),
        (8.5, ["Divisional manager", "Head of operations"]),
        (9, ["Director of operations"]),
    ],
    G.SENIOR_MANAGERS: [
        (8.5, ["Associate director", "Divisional director"]),
        (9, ["Deputy director"]),
        (10, ["Director"]),
    ],
    G.AMBULANCE: [
        (3, ["Emergency care assistant"]),
        (4, ["Ambulance technician", "Associate ambulance practitioner"]),
        (5, ["Paramedic"]),
        (6, ["Paramedic", "Specialist paramedic"]),
        (7, ["Clinical team leader", "Advanced paramedic"]),
        (8, ["Ambulance operations manager"]),
    ],
    G.OTHER: [
        (2, ["Chaplaincy assistant", "Volunteer coordinator", "Interpreter"]),
        (4, ["Chaplain", "Patient experience officer"]),
        (6, ["Patient advice and liaison lead"]),
    ],
}

SPECIALTIES = [
    "Acute medicine",
    "Anaesthetics",
    "Cardiology",
    "Emergency medicine",
    "General surgery",
    "Geriatric medicine",
    "Obstetrics and gynaecology",
    "Paediatrics",
    "Psychiatry",
    "Clinical radiology",
    "Trauma and orthopaedic surgery",
    "Respiratory medicine",
    "Gastroenterology",
    "Medical oncology",
    "Histopathology",
    "Ophthalmology",
    "Intensive care medicine",
]

# Equality answers (Healthlead's approximations; see docs/synthetic-data.md).
EQUALITY_ANSWER_RATE = 0.70
FEMALE_SHARE: dict[str, float] = {
    G.NURSES: 0.89,
    G.MIDWIVES: 0.99,
    G.DOCTORS: 0.48,
    G.SCIENTIFIC: 0.77,
    G.SUPPORT_CLINICAL: 0.82,
    G.CENTRAL: 0.79,
    G.ESTATES: 0.57,
    G.MANAGERS: 0.70,
    G.SENIOR_MANAGERS: 0.56,
    G.AMBULANCE: 0.47,
    G.OTHER: 0.70,
    G.STUDENTS: 0.75,
}
SEX_PREFER_NOT = 0.02
ETHNICITY_SHARES: dict[str, float] = {
    "white": 0.68,
    "asian": 0.13,
    "black": 0.085,
    "mixed": 0.025,
    "other": 0.03,
    "prefer_not": 0.05,
}
DISABILITY_SHARES: dict[str, float] = {"no": 0.88, "yes": 0.06, "prefer_not": 0.06}

# Patient and public partners.
PARTNERS_PER_REGION = 300
PARTNERS_AT_TRUST_SCALE = 60
PARTNER_CONSENT_WITHDRAWN = 0.03
PARTNER_INTERESTS = ["panels", "feedback", "co-design"]
