"""Controlled vocabularies and code lists for record bodies (DESIGN §11).

Everything here is data plus tiny pure predicates; :mod:`federation.protocol.records` builds
the pydantic models on top of it. The lists are embedded (no tzdata, no registry files read at
run time) so that every node, with or without OS data packages, accepts exactly the same values.

Decisions worth knowing:

* **Countries** are ISO 3166-1 alpha-2 codes (all 249 officially assigned ones), upper case.
  ``GB`` is the United Kingdom; ``UK`` is *not* accepted. The one exception is ``EL``: ISO
  3166 "exceptionally reserves" it for Greece because the EU institutions use it (Eurostat,
  NUTS, the ESF+ documents), so EU data about Greece often says ``EL``. We accept ``EL`` as a
  documented alias of ``GR``; no other reserved code is accepted.
* **Language tags** must be *well-formed* BCP 47 tags (RFC 5646 §2.1 syntax, case-insensitive):
  a 2–3 letter primary language (with up to three extlangs), optional script, region and
  variants, extensions and a private-use part; ``und`` and private-use tags (``x-…``) are
  allowed, as are the irregular grandfathered tags. Primary subtags of 4–8 letters, which RFC
  5646 reserves or leaves for future registration, are not accepted. Validity against the IANA
  registry is not checked (that would need the registry file).
* **Currencies** are the ISO 4217 alphabetic codes in current use (list of 2025, including
  XCG and ZWG) plus the national currencies that EU member states replaced by the euro during
  the programming periods we describe (HRK, LTL, LVL), so a 2014-2020 case can state its
  funding as it was granted.
* **Time zones** are checked by shape only (``Area/Location`` names and ``UTC``), because
  reading the IANA database (``zoneinfo``) is disk I/O and differs between machines.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 3166-1 alpha-2: the 249 officially assigned codes.
COUNTRY_CODES: frozenset[str] = _words(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """
)

# ISO 3166 exceptional reservations we accept, with the official code they stand for.
COUNTRY_ALIASES: dict[str, str] = {"EL": "GR"}

# The 27 EU member states, in EU usage (EL for Greece).
EU_MEMBER_STATES: frozenset[str] = _words(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
)


def is_country_code(code: str) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code (upper case) or the alias ``EL``."""
    return code in COUNTRY_CODES or code in COUNTRY_ALIASES


# ISO 4217 alphabetic codes in current use (including funds and precious-metal codes).
CURRENCY_CODES: frozenset[str] = _words(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG
    XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
    """
)

# Withdrawn national currencies of EU member states that joined the euro in 2014 or later.
HISTORIC_CURRENCY_CODES: frozenset[str] = frozenset({"HRK", "LTL", "LVL"})


def is_currency_code(code: str) -> bool:
    """True for an ISO 4217 code in current use or one of :data:`HISTORIC_CURRENCY_CODES`."""
    return code in CURRENCY_CODES or code in HISTORIC_CURRENCY_CODES


# --- BCP 47 (RFC 5646 §2.1) ------------------------------------------------------------------

_LANGUAGE = r"[a-z]{2,3}(?:-[a-z]{3}){0,3}"  # primary language + up to three extlangs
_SCRIPT = r"[a-z]{4}"
_REGION = r"(?:[a-z]{2}|[0-9]{3})"
_VARIANT = r"(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3})"
_EXTENSION = r"[0-9a-wyz](?:-[a-z0-9]{2,8})+"
_PRIVATE_USE = r"x(?:-[a-z0-9]{1,8})+"
_LANGTAG = (
    rf"{_LANGUAGE}(?:-{_SCRIPT})?(?:-{_REGION})?(?:-{_VARIANT})*(?:-{_EXTENSION})*"
    rf"(?:-{_PRIVATE_USE})?"
)
# Irregular grandfathered tags (RFC 5646 §2.2.8); the regular ones already match _LANGTAG.
GRANDFATHERED_TAGS: frozenset[str] = _words(
    """
    en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn
    i-tao i-tay i-tsu sgn-be-fr sgn-be-nl sgn-ch-de
    """
)
BCP47_RE = re.compile(rf"^(?:{_LANGTAG}|{_PRIVATE_USE})$", re.IGNORECASE)
MAX_LANGUAGE_TAG = 64


def _either_case(pattern: str) -> str:
    """The lower-case character classes of the patterns above, taking upper case too."""
    return (
        pattern.replace("a-z", "a-zA-Z").replace("a-wyz", "a-wyzA-WYZ").replace("x(?:", "[xX](?:")
    )


# BCP47_RE for ASCII tags without re.IGNORECASE (whose Unicode case folding also lets e.g. the
# Kelvin sign through as a "k"), in syntax both Python's re and Rust's regex read. The record
# models use it as a native fast path; is_language_tag stays the definition.
BCP47_ASCII_PATTERN = rf"^(?:{_either_case(_LANGTAG)}|{_either_case(_PRIVATE_USE)})$"


def is_language_tag(tag: str) -> bool:
    """True if ``tag`` is a well-formed BCP 47 language tag (syntax only, any case)."""
    if len(tag) > MAX_LANGUAGE_TAG:
        return False
    return tag.lower() in GRANDFATHERED_TAGS or BCP47_RE.fullmatch(tag) is not None


@functools.lru_cache(maxsize=4096)
def canonical_tag(tag: str) -> str:
    """Apply the RFC 5646 §2.1.1 case conventions: ``EN-latn-us`` → ``en-Latn-US``.

    Cached: the same few tags recur in every record that is summarised.
    """
    out: list[str] = []
    after_singleton = False
    for i, part in enumerate(tag.split("-")):
        if len(part) == 1:
            after_singleton = True
        if i == 0 or after_singleton:
            out.append(part.lower())
        elif len(part) == 2:
            out.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


# --- other syntaxes -----------------------------------------------------------------------------

# NUTS codes (Eurostat): country prefix (EU usage, e.g. EL) plus up to three more characters.
NUTS_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")

# IANA time-zone names by shape: "UTC", "Europe/Riga", "America/Argentina/Buenos_Aires",
# "Etc/GMT+2". The zone's existence is not checked (that would read tzdata from disk).
TIMEZONE_RE = re.compile(r"^(?:UTC|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)*)$")
MAX_TIMEZONE = 64


def is_timezone_name(name: str) -> bool:
    return len(name) <= MAX_TIMEZONE and TIMEZONE_RE.fullmatch(name) is not None


# --- enumerations --------------------------------------------------------------------------------


class Level(StrEnum):
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"
    TRANSNATIONAL = "transnational"


class Fund(StrEnum):
    ESF_PLUS = "ESF+"
    ESF = "ESF"
    EASI = "EaSI"
    ERDF = "ERDF"
    NATIONAL = "national"
    PRIVATE = "private"
    OTHER = "other"


class ProgrammingPeriod(StrEnum):
    P2014_2020 = "2014-2020"
    P2021_2027 = "2021-2027"


class Stage(StrEnum):
    """Stages of a social innovation, after the Social Innovation Match case studies."""

    IDEA = "idea"
    INVENTION = "invention"
    IMPLEMENTATION = "implementation"
    TESTING = "testing"
    IMPACT = "impact"
    COMPLETED = "completed"


class Theme(StrEnum):
    """Policy themes a case is filed under; see :data:`THEME_DESCRIPTIONS`."""

    EMPLOYMENT = "employment"
    EDUCATION_SKILLS = "education-skills"
    SOCIAL_INCLUSION = "social-inclusion"
    HEALTH = "health"
    POVERTY = "poverty"
    HOUSING = "housing"
    HOMELESSNESS = "homelessness"
    MIGRATION = "migration"
    CARE = "care"
    SOCIAL_ECONOMY = "social-economy"
    DIGITAL = "digital"
    GREEN_TRANSITION = "green-transition"
    YOUTH = "youth"
    CHILDREN_FAMILIES = "children-families"
    OLDER_PEOPLE = "older-people"
    DISABILITY = "disability"
    GENDER_EQUALITY = "gender-equality"
    ROMA_INCLUSION = "roma-inclusion"
    COMMUNITY_DEVELOPMENT = "community-development"
    RURAL_DEVELOPMENT = "rural-development"
    PUBLIC_SECTOR_INNOVATION = "public-sector-innovation"


THEME_DESCRIPTIONS: dict[Theme, str] = {
    Theme.EMPLOYMENT: "Access to jobs, activation, job quality and labour-market integration.",
    Theme.EDUCATION_SKILLS: "Education, training, lifelong learning, up- and reskilling.",
    Theme.SOCIAL_INCLUSION: "Active inclusion of people at risk of exclusion or discrimination.",
    Theme.HEALTH: "Physical and mental health, prevention and access to health services.",
    Theme.POVERTY: "Fighting poverty, material deprivation and over-indebtedness.",
    Theme.HOUSING: "Affordable, adequate and accessible housing.",
    Theme.HOMELESSNESS: "Preventing and ending homelessness, including Housing First.",
    Theme.MIGRATION: "Integration of migrants, refugees and third-country nationals.",
    Theme.CARE: "Long-term care, informal carers and community-based care services.",
    Theme.SOCIAL_ECONOMY: "Social enterprises, cooperatives and social-economy ecosystems.",
    Theme.DIGITAL: "Digital inclusion, digital skills and digital public services.",
    Theme.GREEN_TRANSITION: "A fair green transition: green jobs, energy poverty, just transition.",
    Theme.YOUTH: "Young people, including NEETs and school-to-work transitions.",
    Theme.CHILDREN_FAMILIES: "Children, parents and family support, incl. the Child Guarantee.",
    Theme.OLDER_PEOPLE: "Active ageing, loneliness and services for older people.",
    Theme.DISABILITY: "Independent living and inclusion of persons with disabilities.",
    Theme.GENDER_EQUALITY: "Equality between women and men, work-life balance.",
    Theme.ROMA_INCLUSION: "Inclusion, participation and equal treatment of Roma.",
    Theme.COMMUNITY_DEVELOPMENT: "Community-led local development and civic participation.",
    Theme.RURAL_DEVELOPMENT: "Services and opportunities in rural and remote areas.",
    Theme.PUBLIC_SECTOR_INNOVATION: "New ways for public administrations to design and deliver.",
}


class EventType(StrEnum):
    TRAINING = "training"
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    WEBINAR = "webinar"
    PEER_LEARNING = "peer-learning"
    STUDY_VISIT = "study-visit"
    CONFERENCE = "conference"
    CALL_FOR_PROPOSALS = "call-for-proposals"
    OTHER = "other"


class Attendance(StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    RESCHEDULED = "rescheduled"


class ContactType(StrEnum):
    ORGANISATION = "organisation"
    PERSON = "person"


class OrgType(StrEnum):
    NCC = "ncc"
    MANAGING_AUTHORITY = "managing-authority"
    MINISTRY = "ministry"
    NGO = "ngo"
    SOCIAL_ENTERPRISE = "social-enterprise"
    UNIVERSITY = "university"
    MUNICIPALITY = "municipality"
    NETWORK = "network"
    OTHER = "other"


class LawfulBasis(StrEnum):
    """GDPR Art 6 basis on which a person contact is processed and shared."""

    PUBLIC_TASK = "public-task"
    CONSENT = "consent"


# Person contacts must never carry these (DESIGN §11: no birth date, gender or photo).
FORBIDDEN_PERSON_FIELDS: frozenset[str] = frozenset(
    {"birth_date", "date_of_birth", "gender", "sex", "photo", "photo_url", "image"}
)
