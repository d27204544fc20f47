"""Hand-written sample facts of the 13 demo centres (DESIGN §11 record fields, per origin).

Pure data: :mod:`federation.cli.samples` turns it into record inputs for ``records put``
(adding ``kind``, ``id``, ``origin_country``, ``original_language``, timestamps and contact
references). Facts come from ``federation/data/centres.json`` (``sample_facts`` and consortium
notes). Where a country has no fact there, the activities are generic but realistic; people
are fictional and reached through functional mailboxes only. Places, NUTS 2021 codes and IANA
zones are real.

Per centre:

* ``country``, ``language`` (BCP 47 of the centre's texts), ``timezone``, ``published``
  (first ``created_at`` of the centre's records, RFC 3339 UTC);
* ``organisation`` and ``person``: contact fields without ``contact_type``;
* ``cases`` and ``events``: record fields; an entry may set ``original_language`` when it was
  first written in another language (EU-level calls and webinars are written in English);
* ``generator``: building blocks for ``extra`` cases (topics × places, in the centre's
  language and English, with a summary template that quotes the title).
"""

from __future__ import annotations

from typing import Any

CENTRES: dict[str, dict[str, Any]] = {
    # ---------------------------------------------------------------- Lithuania (PEnCIL lead)
    "lt.esfa.ncc": {
        "country": "LT",
        "language": "lt",
        "timezone": "Europe/Vilnius",
        "published": "2025-01-13T08:30:00Z",
        "organisation": {
            "name": {
                "lt": "Europos socialinio fondo agentūra – nacionalinis socialinių inovacijų "
                "kompetencijų centras",
                "en": "Lithuanian ESF Agency - national competence centre",
            },
            "acronym": "ESFA",
            "org_type": "ncc",
            "country": "LT",
            "website": "https://www.esf.lt",
            "email": "info@esf.lt",
            "address": "Vilnius, Lietuva",
        },
        "person": {
            "display_name": "Aistė Vaitkevičiūtė",
            "role": {
                "lt": "Socialinių inovacijų ekspertė",
                "en": "Social innovation expert",
            },
            "email": "inovacijos@esf.lt",
            "expertise": ["social innovation", "ESF+ programming", "Social Innovation Match"],
            "languages": ["lt", "en", "pl"],
        },
        "cases": [
            {
                "title": {
                    "lt": "Socialinių inovacijų duomenų bazė „Social Innovation Match“",
                    "en": "Social Innovation Match database",
                },
                "summary": {
                    "lt": "2022 m. lapkričio 16–17 d. paleista Europos socialinių inovacijų "
                    "duomenų bazė, kurioje nuo pirmos dienos paskelbta 100 iniciatyvų.",
                    "en": "European database of social innovation cases launched on "
                    "16–17 November 2022 with 100 initiatives online from the first day.",
                },
                "problem": {
                    "lt": "Sėkmingi ESF projektai buvo sunkiai randami: informacija išsibarsčiusi "
                    "nacionalinėse svetainėse ir skirtingomis kalbomis.",
                    "en": "Successful ESF projects were hard to find: information was scattered "
                    "across national websites and languages.",
                },
                "solution": {
                    "lt": "Europos socialinių inovacijų kompetencijų centras sukūrė vieną atvirą "
                    "duomenų bazę su bendru atvejo aprašymo šablonu ir paieška pagal temą, šalį "
                    "bei tikslinę grupę.",
                    "en": "The European Competence Centre for Social Innovation built one open "
                    "database with a common case template and search by theme, country and "
                    "target group.",
                },
                "results": {
                    "lt": "Paleidimo dieną internete – 100 iniciatyvų; nacionaliniai "
                    "kompetencijų centrai gali siūlyti naujų atvejų.",
                    "en": "100 initiatives online at launch; national competence centres can "
                    "propose new cases.",
                },
                "transferability": {
                    "lt": "Atvejo šablonas tinka bet kuriai ESF+ vadovaujančiajai institucijai.",
                    "en": "The case template suits any ESF+ managing authority.",
                },
                "countries": ["LT"],
                "level": "transnational",
                "lead_org": "Europos socialinio fondo agentūra (ESFA)",
                "funding": [
                    {
                        "fund": "EaSI",
                        "programme": "European Competence Centre for Social Innovation",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": "2022-11-16",
                "stage": "implementation",
                "themes": ["public-sector-innovation", "social-inclusion", "employment"],
                "target_groups": ["ESF+ managing authorities", "social innovators"],
                "sdgs": [8, 10, 17],
                "outcomes": [
                    {
                        "indicator": "initiatives online at launch",
                        "value": 100,
                        "unit": "initiatives",
                        "year": 2022,
                    }
                ],
            },
            {
                "title": {
                    "lt": "PEnCIL – Visos Europos socialinių inovacijų laboratorija",
                    "en": "PEnCIL – Pan European Social Innovation Lab",
                },
                "summary": {
                    "lt": "Lietuvos, Belgijos, Čekijos ir Suomijos ESF institucijų konsorciumas "
                    "2021–2023 m. kūrė nacionalinius socialinių inovacijų kompetencijų centrus; "
                    "projekto vertė – 216 865,10 Eur.",
                    "en": "A consortium of the ESF bodies of Lithuania, Belgium, Czechia and "
                    "Finland built national social innovation competence centres in 2021–2023; "
                    "project value EUR 216,865.10.",
                },
                "solution": {
                    "lt": "Partneriai kartu rengė mokymus, tarpusavio mokymosi renginius ir "
                    "socialinių inovacijų kvietimų gaires vadovaujančiosioms institucijoms.",
                    "en": "The partners jointly ran trainings, peer-learning events and "
                    "guidance on social innovation calls for managing authorities.",
                },
                "countries": ["LT", "BE", "CZ", "FI"],
                "level": "transnational",
                "lead_org": "Europos socialinio fondo agentūra (ESFA)",
                "partners": [
                    {"name": "Belgian ESF managing authority", "country": "BE", "role": "partner"},
                    {"name": "Czech ESF managing authority", "country": "CZ", "role": "partner"},
                    {"name": "Finnish ESF managing authority", "country": "FI", "role": "partner"},
                ],
                "funding": [
                    {
                        "fund": "EaSI",
                        "programme": "EaSI call for national competence centres",
                        "amount": 216865.10,
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": "2021-05-01",
                "end": "2023-04-30",
                "stage": "completed",
                "themes": ["public-sector-innovation", "employment", "social-inclusion"],
                "target_groups": ["ESF managing authorities", "intermediate bodies"],
                "sdgs": [8, 17],
                "outcomes": [
                    {
                        "indicator": "partner countries",
                        "value": 4,
                        "unit": "countries",
                        "year": 2023,
                    }
                ],
            },
        ],
        "events": [
            {
                "original_language": "en",
                "title": {
                    "en": "ESF+ call for proposals: national competence centres for social "
                    "innovation",
                    "lt": "ESF+ kvietimas teikti paraiškas: nacionaliniai socialinių inovacijų "
                    "kompetencijų centrai",
                },
                "description": {
                    "en": "EUR 8 million for 6–8 projects of EUR 0.5–1.5 million each, lasting "
                    "up to 36 months. Open from 17 August 2023 until 30 November 2023, "
                    "17:00 CET.",
                    "lt": "8 mln. Eur 6–8 projektams po 0,5–1,5 mln. Eur, trukmė – iki "
                    "36 mėnesių. Paraiškos priimamos nuo 2023 m. rugpjūčio 17 d. iki "
                    "2023 m. lapkričio 30 d. 17.00 val. (CET).",
                },
                "event_type": "call-for-proposals",
                "start": "2023-08-17T00:00:00",
                "end": "2023-11-30T17:00:00",
                "timezone": "Europe/Brussels",
                "attendance": "online",
                "online_url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
                "languages": ["en"],
                "audience": "ESF+ managing authorities, public bodies, NGOs",
                "organisers": ["European Commission", "Europos socialinio fondo agentūra"],
                "status": "scheduled",
                "call": {
                    "budget": 8000000,
                    "currency": "EUR",
                    "grant_min": 500000,
                    "grant_max": 1500000,
                    "deadline": "2023-11-30T17:00:00",
                },
            },
            {
                "original_language": "en",
                "title": {
                    "en": "Online Mutual Learning Lab on ESF social innovation calls",
                    "lt": "Nuotolinė tarpusavio mokymosi laboratorija apie ESF socialinių "
                    "inovacijų kvietimus",
                },
                "description": {
                    "en": "Managing authorities compare how they design, select and follow up "
                    "social innovation calls in ESF+ programmes.",
                    "lt": "Vadovaujančiosios institucijos dalijasi patirtimi, kaip ESF+ "
                    "programose rengti, vertinti ir stebėti socialinių inovacijų kvietimus.",
                },
                "event_type": "webinar",
                "start": "2023-06-01T09:00:00",
                "end": "2023-06-01T11:30:00",
                "timezone": "Europe/Brussels",
                "attendance": "online",
                "online_url": "https://www.esf.lt",
                "languages": ["en"],
                "audience": "ESF+ managing authorities, national competence centres",
                "organisers": ["Europos socialinio fondo agentūra"],
                "registration": {"free": True},
                "status": "scheduled",
            },
        ],
        "generator": {
            "topics": [
                (
                    "Socialinis verslas jaunimui",
                    "Social business for young people",
                    ["youth", "social-economy"],
                    [8],
                ),
                (
                    "Bendruomeninės slaugos paslaugos",
                    "Community nursing services",
                    ["care", "older-people"],
                    [3],
                ),
                (
                    "Skaitmeninių įgūdžių mokymai senjorams",
                    "Digital skills training for seniors",
                    ["digital", "older-people"],
                    [4],
                ),
                (
                    "Įdarbinimas su pagalba neįgaliesiems",
                    "Supported employment for people with disabilities",
                    ["disability", "employment"],
                    [8, 10],
                ),
                (
                    "Socialinis būstas šeimoms",
                    "Social housing for families",
                    ["housing", "children-families"],
                    [1, 11],
                ),
            ],
            "places": [
                ("Vilniuje", "in Vilnius", "LT011"),
                ("Kaune", "in Kaunas", "LT022"),
                ("Klaipėdoje", "in Klaipėda", "LT023"),
                ("Šiauliuose", "in Šiauliai", "LT026"),
                ("Panevėžyje", "in Panevėžys", "LT025"),
            ],
            "programme": "2021–2027 m. Europos Sąjungos fondų investicijų programa",
            "summary": {
                "lt": "Bandomasis projektas „{title}“ su vietos partneriais išbando naują "
                "paslaugų modelį ir dalijasi rezultatais su kitomis savivaldybėmis.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # ------------------------------------------------------------------------ Belgium (PEnCIL)
    "be.esf.ncc": {
        "country": "BE",
        "language": "nl",
        "timezone": "Europe/Brussels",
        "published": "2025-01-20T09:00:00Z",
        "organisation": {
            "name": {
                "nl": "Belgische ESF-beheersautoriteit (ESF Vlaanderen)",
                "fr": "Autorité de gestion belge du FSE",
                "en": "Belgian ESF managing authority",
            },
            "acronym": "ESF",
            "org_type": "managing-authority",
            "country": "BE",
            "website": "https://www.esf-vlaanderen.be",
            "email": "info@esf-vlaanderen.be",
            "address": "Brussel, België",
        },
        "person": {
            "display_name": "Lotte Vermeulen",
            "role": {
                "nl": "Beleidsmedewerker sociale innovatie",
                "en": "Policy officer for social innovation",
            },
            "email": "sociale.innovatie@esf-vlaanderen.be",
            "expertise": ["social innovation calls", "ESF+ programming", "scaling"],
            "languages": ["nl", "fr", "en"],
        },
        "cases": [
            {
                "title": {
                    "nl": "Sociale innovatie in het Vlaamse ESF-programma: 8,5% van het budget",
                    "en": "Social innovation in the Flemish ESF programme: 8.5% of the budget",
                },
                "summary": {
                    "nl": "Vlaanderen besteedde 8,5% van zijn ESF-budget, 33,8 miljoen euro, aan "
                    "sociale innovatie: oproepen waarin organisaties nieuwe antwoorden op "
                    "arbeidsmarktvragen uittesten en opschalen.",
                    "en": "Flanders spent 8.5% of its ESF budget, EUR 33.8 million, on social "
                    "innovation: calls in which organisations test and scale new answers to "
                    "labour-market challenges.",
                },
                "problem": {
                    "nl": "Klassieke ESF-projecten herhalen vaak bewezen aanpakken; voor "
                    "experimenten met een onzeker resultaat was weinig ruimte.",
                    "en": "Classic ESF projects often repeat proven approaches; there was little "
                    "room for experiments with an uncertain outcome.",
                },
                "solution": {
                    "nl": "Een vast deel van het programma gaat naar sociale innovatie, in fasen "
                    "van verkenning over experiment tot opschaling, met begeleiding door "
                    "ESF Vlaanderen.",
                    "en": "A fixed share of the programme goes to social innovation, in phases "
                    "from exploration through experiment to scaling, coached by ESF Flanders.",
                },
                "results": {
                    "nl": "33,8 miljoen euro voor sociale-innovatieprojecten, of 8,5% van het "
                    "Vlaamse ESF-budget.",
                    "en": "EUR 33.8 million for social innovation projects, or 8.5% of the "
                    "Flemish ESF budget.",
                },
                "countries": ["BE"],
                "nuts": ["BE2"],
                "level": "regional",
                "lead_org": "ESF Vlaanderen",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "ESF-programma Vlaanderen",
                        "amount": 33800000,
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2014,
                "end": 2023,
                "stage": "impact",
                "themes": ["public-sector-innovation", "employment"],
                "target_groups": ["jobseekers", "employers", "social partners"],
                "sdgs": [8, 10],
                "outcomes": [
                    {
                        "indicator": "share of the ESF budget for social innovation",
                        "value": 8.5,
                        "unit": "%",
                        "year": 2020,
                    }
                ],
                "website": "https://www.esf-vlaanderen.be",
            },
            {
                "title": {
                    "nl": "Jobcoaching in de buurt: wijkgerichte trajectbegeleiding in Gent",
                    "en": "Job coaching next door: neighbourhood-based guidance in Ghent",
                },
                "summary": {
                    "nl": "Jobcoaches werken vanuit buurthuizen en bereiken zo werkzoekenden die "
                    "de weg naar de klassieke diensten niet vinden.",
                    "en": "Job coaches work from community centres and so reach jobseekers who "
                    "do not find their way to the usual services.",
                },
                "solution": {
                    "nl": "Laagdrempelige spreekuren, huisbezoeken en kleine groepen met "
                    "buurtbewoners, in samenwerking met OCMW, VDAB en lokale werkgevers.",
                    "en": "Low-threshold drop-in hours, home visits and small groups with "
                    "residents, together with the public social welfare centre, VDAB and local "
                    "employers.",
                },
                "countries": ["BE"],
                "nuts": ["BE234"],
                "level": "local",
                "lead_org": "Lokaal partnerschap Gentse wijken",
                "partners": [{"name": "VDAB", "country": "BE", "role": "partner"}],
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "ESF+ Vlaanderen 2021-2027",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2023,
                "stage": "testing",
                "themes": ["employment", "community-development", "migration"],
                "target_groups": ["long-term unemployed", "newcomers"],
                "sdgs": [8, 11],
            },
        ],
        "events": [
            {
                "title": {
                    "nl": "Vergadering van de werkgroep van nationale competentiecentra voor "
                    "sociale innovatie",
                    "en": "Working group meeting of the national competence centres for social "
                    "innovation",
                },
                "description": {
                    "nl": "Werkvergadering in Brussel met 41 deelnemers uit 23 lidstaten over de "
                    "nieuwe ESF+-oproep en de samenwerking tussen de centra.",
                    "en": "Working meeting in Brussels with 41 participants from 23 Member "
                    "States on the new ESF+ call and cooperation between the centres.",
                },
                "event_type": "peer-learning",
                "start": "2023-10-25T09:30:00",
                "end": "2023-10-25T16:30:00",
                "timezone": "Europe/Brussels",
                "attendance": "offline",
                "location": {"city": "Brussel", "country": "BE", "nuts": "BE100"},
                "languages": ["en"],
                "audience": "national competence centres, European Commission",
                "registration": {"capacity": 45, "free": True},
                "organisers": ["European Commission", "ESF Vlaanderen"],
                "status": "scheduled",
            },
            {
                "title": {
                    "nl": "Infosessie: sociale innovatie in ESF+ Vlaanderen",
                    "en": "Information session: social innovation in ESF+ Flanders",
                },
                "description": {
                    "nl": "Online toelichting bij de sociale-innovatieoproepen, met vragen en "
                    "antwoorden voor indieners.",
                    "en": "Online briefing on the social innovation calls, with questions and "
                    "answers for applicants.",
                },
                "event_type": "webinar",
                "start": "2024-03-12T10:00:00",
                "end": "2024-03-12T11:30:00",
                "timezone": "Europe/Brussels",
                "attendance": "online",
                "online_url": "https://www.esf-vlaanderen.be",
                "languages": ["nl"],
                "audience": "applicants, local authorities, NGOs",
                "registration": {
                    "url": "https://www.esf-vlaanderen.be",
                    "deadline": "2024-03-08T17:00:00",
                    "free": True,
                },
                "organisers": ["ESF Vlaanderen"],
                "status": "scheduled",
            },
        ],
        "generator": {
            "topics": [
                (
                    "Duaal leren voor jongeren",
                    "Dual learning for young people",
                    ["youth", "education-skills"],
                    [4, 8],
                ),
                (
                    "Buurtzorg voor ouderen",
                    "Neighbourhood care for older people",
                    ["care", "older-people"],
                    [3],
                ),
                (
                    "Taalcoaching op de werkvloer",
                    "Language coaching at the workplace",
                    ["migration", "employment"],
                    [8, 10],
                ),
                (
                    "Maatwerk in de sociale economie",
                    "Tailored jobs in the social economy",
                    ["social-economy", "disability"],
                    [8],
                ),
                (
                    "Digitale inclusie in bibliotheken",
                    "Digital inclusion in libraries",
                    ["digital", "social-inclusion"],
                    [4, 10],
                ),
            ],
            "places": [
                ("in Antwerpen", "in Antwerp", "BE211"),
                ("in Gent", "in Ghent", "BE234"),
                ("in Leuven", "in Leuven", "BE241"),
                ("in Brugge", "in Bruges", "BE251"),
                ("in Hasselt", "in Hasselt", "BE224"),
            ],
            "programme": "ESF+ Vlaanderen 2021-2027",
            "summary": {
                "nl": "Het experiment ‘{title}’ test met lokale partners een nieuwe aanpak en "
                "deelt de resultaten met andere steden en gemeenten.",
                "en": "The experiment “{title}” tests a new approach with local partners and "
                "shares its results with other cities and municipalities.",
            },
        },
    },
    # ------------------------------------------------------------------------- Czechia (PEnCIL)
    "cz.esf.ncc": {
        "country": "CZ",
        "language": "cs",
        "timezone": "Europe/Prague",
        "published": "2025-01-27T08:00:00Z",
        "organisation": {
            "name": {
                "cs": "Řídicí orgán ESF+ v České republice (Ministerstvo práce a sociálních věcí)",
                "en": "Czech ESF managing authority",
            },
            "acronym": "MPSV",
            "org_type": "managing-authority",
            "country": "CZ",
            "website": "https://www.esfcr.cz",
            "email": "socialni.inovace@mpsv.cz",
            "address": "Na Poříčním právu 1/376, 128 01 Praha 2",
        },
        "person": {
            "display_name": "Tereza Dvořáková",
            "role": {
                "cs": "Metodička pro sociální inovace",
                "en": "Social innovation methodologist",
            },
            "email": "socialni.inovace@mpsv.cz",
            "expertise": ["social innovation", "OP Employment Plus", "impact evaluation"],
            "languages": ["cs", "en", "sk"],
        },
        "cases": [
            {
                "title": {
                    "cs": "Sdílená pracovní místa pro rodiče a pečující",
                    "en": "Job sharing for parents and carers",
                },
                "summary": {
                    "cs": "Zaměstnavatelé v Moravskoslezském kraji zkoušejí sdílené úvazky, aby "
                    "rodiče malých dětí a pečující o blízké mohli zůstat v práci.",
                    "en": "Employers in the Moravian-Silesian Region try out job sharing so "
                    "that parents of young children and family carers can stay in work.",
                },
                "problem": {
                    "cs": "Částečné úvazky jsou v Česku málo rozšířené a pečující často "
                    "odcházejí z trhu práce úplně.",
                    "en": "Part-time work is rare in Czechia and carers often leave the labour "
                    "market altogether.",
                },
                "solution": {
                    "cs": "Dva zaměstnanci sdílejí jedno místo s jasně rozdělenými úkoly; "
                    "zaměstnavatelé dostávají poradenství a příspěvek na zaškolení.",
                    "en": "Two employees share one position with clearly split tasks; employers "
                    "receive advice and a contribution towards induction.",
                },
                "countries": ["CZ"],
                "nuts": ["CZ080"],
                "level": "regional",
                "lead_org": "Síť zaměstnavatelů Moravskoslezského kraje",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "Operační program Zaměstnanost",
                        "currency": "CZK",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2019,
                "end": 2022,
                "stage": "completed",
                "themes": ["employment", "gender-equality", "children-families"],
                "target_groups": ["parents of young children", "family carers", "employers"],
                "sdgs": [5, 8],
            },
            {
                "title": {
                    "cs": "Komunitní bydlení s podporou v Brně",
                    "en": "Supported community housing in Brno",
                },
                "summary": {
                    "cs": "Rodiny bez domova získávají nejprve byt s běžnou nájemní smlouvou a "
                    "teprve poté individuální podporu sociálních pracovníků.",
                    "en": "Homeless families first get a flat with a regular tenancy and then "
                    "individual support from social workers.",
                },
                "solution": {
                    "cs": "Město poskytuje byty ze svého fondu, neziskové organizace zajišťují "
                    "terénní sociální práci a dluhové poradenství.",
                    "en": "The city provides flats from its housing stock; NGOs provide outreach "
                    "social work and debt counselling.",
                },
                "countries": ["CZ"],
                "nuts": ["CZ064"],
                "level": "local",
                "lead_org": "Konsorcium neziskových organizací v Brně",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Operační program Zaměstnanost plus",
                        "currency": "CZK",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2023,
                "stage": "implementation",
                "themes": ["homelessness", "housing", "children-families"],
                "target_groups": ["families without a home"],
                "sdgs": [1, 11],
            },
        ],
        "events": [
            {
                "title": {
                    "cs": "Seminář: sociální inovace v OP Zaměstnanost plus",
                    "en": "Seminar: social innovation in the Employment Plus programme",
                },
                "description": {
                    "cs": "Jak připravit žádost o podporu sociální inovace, jak pracovat s "
                    "pilotním ověřením a jak vyhodnotit dopad.",
                    "en": "How to prepare an application for social innovation support, run a "
                    "pilot and evaluate its impact.",
                },
                "event_type": "seminar",
                "start": "2024-04-18T09:30:00",
                "end": "2024-04-18T13:00:00",
                "timezone": "Europe/Prague",
                "attendance": "offline",
                "location": {
                    "address": "Na Poříčním právu 1/376",
                    "city": "Praha",
                    "country": "CZ",
                    "nuts": "CZ010",
                },
                "languages": ["cs"],
                "audience": "applicants, municipalities, NGOs",
                "registration": {"capacity": 60, "free": True},
                "organisers": ["Ministerstvo práce a sociálních věcí"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Podpora neformálních pečujících",
                    "Support for informal carers",
                    ["care"],
                    [3, 5],
                ),
                (
                    "Sociální podnikání pro lidi se zdravotním postižením",
                    "Social enterprise for people with disabilities",
                    ["social-economy", "disability"],
                    [8],
                ),
                (
                    "Prevence ztráty bydlení",
                    "Preventing the loss of housing",
                    ["housing", "poverty"],
                    [1, 11],
                ),
                (
                    "Mentoring pro romskou mládež",
                    "Mentoring for Roma youth",
                    ["roma-inclusion", "youth"],
                    [4, 10],
                ),
                (
                    "Digitální dovednosti pro seniory",
                    "Digital skills for older people",
                    ["digital", "older-people"],
                    [4],
                ),
            ],
            "places": [
                ("v Ostravě", "in Ostrava", "CZ080"),
                ("v Brně", "in Brno", "CZ064"),
                ("v Plzni", "in Pilsen", "CZ032"),
                ("v Olomouci", "in Olomouc", "CZ071"),
                ("v Ústí nad Labem", "in Ústí nad Labem", "CZ042"),
            ],
            "programme": "Operační program Zaměstnanost plus",
            "summary": {
                "cs": "Pilotní projekt „{title}“ ověřuje s místními partnery nový model služby a "
                "sdílí výsledky s dalšími obcemi.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # ------------------------------------------------------------------------- Finland (PEnCIL)
    "fi.esf.ncc": {
        "country": "FI",
        "language": "fi",
        "timezone": "Europe/Helsinki",
        "published": "2025-02-03T07:00:00Z",
        "organisation": {
            "name": {
                "fi": "Suomen ESR-hallintoviranomainen (työ- ja elinkeinoministeriö)",
                "sv": "Finlands förvaltningsmyndighet för ESF (arbets- och näringsministeriet)",
                "en": "Finnish ESF managing authority",
            },
            "acronym": "TEM",
            "org_type": "managing-authority",
            "country": "FI",
            "website": "https://rakennerahastot.fi",
            "email": "kirjaamo.tem@gov.fi",
            "address": "Helsinki, Suomi",
        },
        "person": {
            "display_name": "Sanna Heikkinen",
            "role": {
                "fi": "Erityisasiantuntija, sosiaaliset innovaatiot",
                "sv": "Specialsakkunnig, sociala innovationer",
                "en": "Senior specialist, social innovation",
            },
            "email": "sosiaaliset.innovaatiot@gov.fi",
            "expertise": ["social innovation", "youth services", "ESF+ programming"],
            "languages": ["fi", "sv", "en"],
        },
        "cases": [
            {
                "title": {
                    "fi": "Zekki – Mitä kuuluu? Nuorten hyvinvoinnin digipalvelu",
                    "en": "Zekki – What's up? A digital wellbeing service for young people",
                },
                "summary": {
                    "fi": "Diakin ja Diakonissalaitoksen Zekki ohjaa nuoria verkossa tehtävän "
                    "hyvinvointikyselyn perusteella sopiviin tukipalveluihin. Zekki voitti "
                    "Euroopan sosiaalisten innovaatioiden kilpailun 2021, ja sillä oli 100 000 "
                    "kävijää vuosina 2021–2022.",
                    "en": "Zekki by Diak and the Deaconess Foundation matches young people with "
                    "support services after an online wellbeing self-assessment. It won the "
                    "European Social Innovation Competition 2021 and had 100,000 visitors in "
                    "2021–2022.",
                },
                "problem": {
                    "fi": "Nuoret eivät löydä oikeaa apua palveluviidakosta, ja moni jää "
                    "kokonaan ilman tukea.",
                    "en": "Young people get lost among services and many remain without any "
                    "support.",
                },
                "solution": {
                    "fi": "Lyhyt, anonyymi kysely verkossa ja sen tulosten mukaan kootut "
                    "palvelusuositukset omalla paikkakunnalla.",
                    "en": "A short anonymous online quiz and, based on its results, "
                    "recommendations of services in the young person's own area.",
                },
                "results": {
                    "fi": "100 000 kävijää vuosina 2021–2022; Euroopan sosiaalisten "
                    "innovaatioiden kilpailun voittaja 2021.",
                    "en": "100,000 visitors in 2021–2022; winner of the European Social "
                    "Innovation Competition 2021.",
                },
                "countries": ["FI"],
                "nuts": ["FI1B1"],
                "level": "national",
                "lead_org": "Diak (Diakonia-ammattikorkeakoulu)",
                "partners": [{"name": "Diakonissalaitos", "country": "FI", "role": "partner"}],
                "funding": [
                    {
                        "fund": "other",
                        "programme": "European Social Innovation Competition 2021 prize",
                        "amount": 50000,
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2021,
                "stage": "impact",
                "themes": ["youth", "health", "digital"],
                "target_groups": ["young people aged 15–29"],
                "sdgs": [3, 10],
                "outcomes": [
                    {"indicator": "visitors", "value": 100000, "unit": "visitors", "year": 2022}
                ],
            },
            {
                "title": {
                    "fi": "Ohjaamot – nuorten matalan kynnyksen palvelupisteet",
                    "en": "Ohjaamo – one-stop guidance centres for young people",
                },
                "summary": {
                    "fi": "Ohjaamoissa alle 30-vuotias saa samasta paikasta apua opiskeluun, "
                    "työhön, asumiseen ja arjen asioihin ilman ajanvarausta.",
                    "en": "In an Ohjaamo centre, anyone under 30 gets help with studies, work, "
                    "housing and everyday matters in one place, without an appointment.",
                },
                "solution": {
                    "fi": "Kunnan, TE-palvelujen, Kelan ja järjestöjen asiantuntijat "
                    "työskentelevät samassa tilassa nuoren rinnalla.",
                    "en": "Experts of the municipality, employment services, Kela and NGOs work "
                    "side by side in one place with the young person.",
                },
                "transferability": {
                    "fi": "Malli on levinnyt kymmeniin kuntiin ympäri Suomea.",
                    "en": "The model has spread to dozens of municipalities across Finland.",
                },
                "countries": ["FI"],
                "level": "national",
                "lead_org": "Kohtaamo (ESR-koordinaatiohanke)",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "Kestävää kasvua ja työtä 2014–2020",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2014,
                "stage": "impact",
                "themes": ["youth", "employment", "education-skills"],
                "target_groups": ["young people under 30", "NEETs"],
                "sdgs": [4, 8],
            },
        ],
        "events": [
            {
                "title": {
                    "fi": "Sosiaalisten innovaatioiden vertaisoppimispäivä",
                    "en": "Social innovation peer-learning day",
                },
                "description": {
                    "fi": "PEnCIL-kumppanit Liettuasta, Belgiasta ja Tšekistä esittelevät "
                    "kokemuksiaan sosiaalisten innovaatioiden hauista ja niiden arvioinnista.",
                    "en": "PEnCIL partners from Lithuania, Belgium and Czechia share their "
                    "experience of social innovation calls and their evaluation.",
                },
                "event_type": "peer-learning",
                "start": "2022-09-21T09:00:00",
                "end": "2022-09-21T15:30:00",
                "timezone": "Europe/Helsinki",
                "attendance": "mixed",
                "location": {"city": "Helsinki", "country": "FI", "nuts": "FI1B1"},
                "online_url": "https://rakennerahastot.fi",
                "languages": ["fi", "en"],
                "audience": "managing authorities, project promoters",
                "organisers": ["Työ- ja elinkeinoministeriö"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                ("Nuorten työpajat", "Youth workshops", ["youth", "employment"], [8]),
                (
                    "Maahanmuuttajien kielikahvilat",
                    "Language cafés for immigrants",
                    ["migration", "education-skills"],
                    [4, 10],
                ),
                (
                    "Ikäihmisten digituki",
                    "Digital support for older people",
                    ["digital", "older-people"],
                    [4],
                ),
                (
                    "Asunto ensin -tuki",
                    "Housing First support",
                    ["homelessness", "housing"],
                    [1, 11],
                ),
                ("Omaishoitajien vertaisryhmät", "Peer groups for family carers", ["care"], [3]),
            ],
            "places": [
                ("Tampereella", "in Tampere", "FI197"),
                ("Oulussa", "in Oulu", "FI1D9"),
                ("Turussa", "in Turku", "FI1C1"),
                ("Jyväskylässä", "in Jyväskylä", "FI193"),
                ("Joensuussa", "in Joensuu", "FI1D3"),
            ],
            "programme": "Uudistuva ja osaava Suomi 2021–2027",
            "summary": {
                "fi": "Kokeilu ”{title}” testaa paikallisten kumppanien kanssa uutta "
                "palvelumallia ja jakaa tulokset muille kunnille.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # ------------------------------------------------------------------------ Austria (SI PLUS)
    "at.siplus.ncc": {
        "country": "AT",
        "language": "de",
        "timezone": "Europe/Vienna",
        "published": "2025-01-15T08:00:00Z",
        "organisation": {
            "name": {
                "de": "L&R Sozialforschung / arbeit plus – Soziale Unternehmen Österreich",
                "en": "L&R Social Research / arbeit plus",
            },
            "acronym": "SI PLUS AT",
            "org_type": "network",
            "country": "AT",
            "website": "https://arbeitplus.at",
            "email": "office@arbeitplus.at",
            "address": "Wien, Österreich",
        },
        "person": {
            "display_name": "Katharina Leitner",
            "role": {
                "de": "Projektleiterin, Kompetenzzentrum für soziale Innovation",
                "en": "Project lead, competence centre for social innovation",
            },
            "email": "soziale.innovation@arbeitplus.at",
            "expertise": ["social enterprises", "labour-market policy", "disability inclusion"],
            "languages": ["de", "en"],
        },
        "cases": [
            {
                "title": {
                    "de": "„Lohn statt Taschengeld“ für Menschen in Werkstätten",
                    "en": "“Salary instead of pocket money” for people in sheltered workshops",
                },
                "summary": {
                    "de": "Rund 28.000 Menschen mit Behinderungen arbeiten in Österreich in "
                    "Werkstätten und bekommen dafür nur ein Taschengeld. Pilotprojekte mit "
                    "54 Mio. Euro bis 2026 erproben Lohn und eigene Sozialversicherung.",
                    "en": "About 28,000 people with disabilities work in sheltered workshops in "
                    "Austria for pocket money only. Pilot projects with EUR 54 million until "
                    "2026 test a real wage and their own social insurance.",
                },
                "problem": {
                    "de": "Ohne Lohn gibt es keine eigene Pensions- und Krankenversicherung und "
                    "kaum Übergänge in den ersten Arbeitsmarkt.",
                    "en": "Without a wage there is no own pension and health insurance and "
                    "hardly any transition to the open labour market.",
                },
                "solution": {
                    "de": "Inklusive Arbeitsplätze in Betrieben und Werkstätten mit "
                    "kollektivvertraglichem Lohn, Begleitung durch Jobcoaches und "
                    "Lohnkostenförderung.",
                    "en": "Inclusive jobs in companies and workshops paid at collective-agreement "
                    "rates, with job coaches and wage subsidies.",
                },
                "countries": ["AT"],
                "nuts": ["AT"],
                "level": "national",
                "lead_org": "Bund und Länder (Pilotprojekte)",
                "funding": [
                    {
                        "fund": "national",
                        "programme": "Pilotprojekte „Lohn statt Taschengeld“ bis 2026",
                        "amount": 54000000,
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "end": 2026,
                "stage": "testing",
                "themes": ["disability", "employment", "social-inclusion"],
                "target_groups": ["people with disabilities in sheltered workshops"],
                "sdgs": [8, 10],
                "outcomes": [
                    {
                        "indicator": "people working in sheltered workshops",
                        "value": 28000,
                        "unit": "persons",
                        "year": 2023,
                    }
                ],
            },
            {
                "title": {
                    "de": "SI PLUS – Kompetenzzentren für soziale Innovation in Österreich, "
                    "Ungarn, der Slowakei und Bulgarien",
                    "en": "SI PLUS – social innovation competence centres in Austria, Hungary, "
                    "Slovakia and Bulgaria",
                },
                "summary": {
                    "de": "Konsortium aus L&R Sozialforschung und arbeit plus (AT), IFKA (HU), "
                    "dem slowakischen Arbeits- und Sozialministerium und der Sofia Development "
                    "Association (BG), 2021–2023; Abschlusskonferenz am 29. Juni 2023 in "
                    "Bratislava.",
                    "en": "Consortium of L&R Social Research and arbeit plus (AT), IFKA (HU), the "
                    "Slovak Ministry of Labour and Sofia Development Association (BG), "
                    "2021–2023; final conference on 29 June 2023 in Bratislava.",
                },
                "countries": ["AT", "HU", "SK", "BG"],
                "level": "transnational",
                "lead_org": "L&R Sozialforschung",
                "partners": [
                    {"name": "arbeit plus", "country": "AT", "role": "partner"},
                    {"name": "IFKA", "country": "HU", "role": "partner"},
                    {"name": "MPSVR SR", "country": "SK", "role": "partner"},
                    {"name": "Sofia Development Association", "country": "BG", "role": "partner"},
                ],
                "funding": [{"fund": "EaSI", "programme": "EaSI", "currency": "EUR"}],
                "programming_period": "2021-2027",
                "start": "2021-05-01",
                "end": "2023-04-30",
                "stage": "completed",
                "themes": ["public-sector-innovation", "social-economy"],
                "target_groups": ["ESF+ managing authorities", "social enterprises"],
                "sdgs": [8, 17],
            },
        ],
        "events": [
            {
                "title": {
                    "de": "SI PLUS Lernwerkstatt: soziale Innovation in der Arbeitsmarktpolitik",
                    "en": "SI PLUS learning workshop: social innovation in labour-market policy",
                },
                "description": {
                    "de": "Sozialunternehmen, AMS und Verwaltung entwickeln gemeinsam Ideen für "
                    "ESF+-Projekte und lernen aus Beispielen aus Ungarn, der Slowakei und "
                    "Bulgarien.",
                    "en": "Social enterprises, the public employment service and administrations "
                    "develop ideas for ESF+ projects together and learn from examples from "
                    "Hungary, Slovakia and Bulgaria.",
                },
                "event_type": "workshop",
                "start": "2022-11-22T09:30:00",
                "end": "2022-11-22T15:00:00",
                "timezone": "Europe/Vienna",
                "attendance": "offline",
                "location": {"city": "Wien", "country": "AT", "nuts": "AT130"},
                "languages": ["de"],
                "audience": "social enterprises, public employment service",
                "registration": {"capacity": 40, "free": True},
                "organisers": ["L&R Sozialforschung", "arbeit plus"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Arbeitstraining in sozialökonomischen Betrieben",
                    "Work training in social economy enterprises",
                    ["social-economy", "employment"],
                    [8],
                ),
                (
                    "Basisbildung für Erwachsene",
                    "Basic education for adults",
                    ["education-skills"],
                    [4],
                ),
                ("Delogierungsprävention", "Eviction prevention", ["housing", "poverty"], [1, 11]),
                ("Community Nursing", "Community nursing", ["care", "older-people"], [3]),
                ("Jugendcoaching", "Youth coaching", ["youth", "education-skills"], [4, 8]),
            ],
            "places": [
                ("in Graz", "in Graz", "AT221"),
                ("in Linz", "in Linz", "AT312"),
                ("in Innsbruck", "in Innsbruck", "AT332"),
                ("in Salzburg", "in Salzburg", "AT323"),
                ("in Klagenfurt", "in Klagenfurt", "AT211"),
            ],
            "programme": "ESF+ Programm Beschäftigung Österreich & JTF 2021-2027",
            "summary": {
                "de": "Das Pilotprojekt „{title}“ erprobt mit Partnern vor Ort ein neues Angebot "
                "und teilt die Ergebnisse mit anderen Regionen.",
                "en": "The pilot “{title}” tests a new service with local partners and shares "
                "its results with other regions.",
            },
        },
    },
    # ------------------------------------------------------------------------ Hungary (SI PLUS)
    "hu.ifka.ncc": {
        "country": "HU",
        "language": "hu",
        "timezone": "Europe/Budapest",
        "published": "2025-02-10T08:00:00Z",
        "organisation": {
            "name": {
                "hu": "IFKA Közhasznú Nonprofit Kft. az Ipar Fejlesztéséért",
                "en": "IFKA Public Benefit Non-Profit Ltd.",
            },
            "acronym": "IFKA",
            "org_type": "ncc",
            "country": "HU",
            "website": "https://ifka.hu",
            "email": "info@ifka.hu",
            "address": "Budapest, Magyarország",
        },
        "person": {
            "display_name": "Szabó Eszter",
            "role": {
                "hu": "Társadalmi innovációs szakértő",
                "en": "Social innovation expert",
            },
            "email": "tarsadalmi.innovacio@ifka.hu",
            "expertise": ["social cooperatives", "mentoring", "ESF+ project design"],
            "languages": ["hu", "en", "de"],
        },
        "cases": [
            {
                "title": {
                    "hu": "Szociális szövetkezetek a vidéki foglalkoztatásért "
                    "Borsod-Abaúj-Zemplén vármegyében",
                    "en": "Social cooperatives for rural employment in Borsod-Abaúj-Zemplén county",
                },
                "summary": {
                    "hu": "Önkormányzatok és civil szervezetek által alapított szociális "
                    "szövetkezetek munkát és képzést kínálnak tartósan munkanélküli embereknek "
                    "kistelepüléseken.",
                    "en": "Social cooperatives founded by local governments and NGOs offer work "
                    "and training to long-term unemployed people in small villages.",
                },
                "solution": {
                    "hu": "Helyi termékek feldolgozása, zöldségtermesztés és közösségi "
                    "szolgáltatások, mentorálással és értékesítési támogatással.",
                    "en": "Processing local produce, growing vegetables and running community "
                    "services, with mentoring and sales support.",
                },
                "countries": ["HU"],
                "nuts": ["HU311"],
                "level": "regional",
                "lead_org": "Helyi szociális szövetkezetek hálózata",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "Emberi Erőforrás Fejlesztési Operatív Program (EFOP)",
                        "currency": "HUF",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2017,
                "end": 2021,
                "stage": "completed",
                "themes": ["social-economy", "rural-development", "roma-inclusion"],
                "target_groups": ["long-term unemployed people", "Roma communities"],
                "sdgs": [1, 8],
            },
            {
                "title": {
                    "hu": "Társadalmi innovációs mentorprogram induló kezdeményezéseknek",
                    "en": "Social innovation mentoring for early-stage initiatives",
                },
                "summary": {
                    "hu": "Az IFKA szakértői fél éven át kísérik a civil és önkormányzati "
                    "ötletgazdákat az ötlettől a kipróbálható szolgáltatásig.",
                    "en": "IFKA experts coach civil-society and municipal innovators for six "
                    "months, from the idea to a service that can be piloted.",
                },
                "countries": ["HU"],
                "nuts": ["HU110"],
                "level": "national",
                "lead_org": "IFKA Közhasznú Nonprofit Kft.",
                "funding": [{"fund": "EaSI", "programme": "SI PLUS", "currency": "EUR"}],
                "programming_period": "2021-2027",
                "start": 2022,
                "end": 2023,
                "stage": "testing",
                "themes": ["public-sector-innovation", "community-development"],
                "target_groups": ["NGOs", "municipalities"],
                "sdgs": [11, 17],
            },
        ],
        "events": [
            {
                "title": {
                    "hu": "Társadalmi innovációs műhely ESZA+ pályázóknak",
                    "en": "Social innovation workshop for ESF+ applicants",
                },
                "description": {
                    "hu": "Gyakorlati műhely a társadalmi innovációs projektek tervezéséről, "
                    "osztrák, szlovák és bolgár példákkal.",
                    "en": "Hands-on workshop on designing social innovation projects, with "
                    "Austrian, Slovak and Bulgarian examples.",
                },
                "event_type": "workshop",
                "start": "2023-03-15T10:00:00",
                "end": "2023-03-15T14:00:00",
                "timezone": "Europe/Budapest",
                "attendance": "offline",
                "location": {"city": "Budapest", "country": "HU", "nuts": "HU110"},
                "languages": ["hu"],
                "audience": "NGOs, social enterprises, municipalities",
                "registration": {"capacity": 35, "free": True},
                "organisers": ["IFKA"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Közösségi gondozás idősek számára",
                    "Community care for older people",
                    ["care", "older-people"],
                    [3],
                ),
                (
                    "Tanoda program hátrányos helyzetű diákoknak",
                    "After-school programme for disadvantaged pupils",
                    ["education-skills", "children-families"],
                    [4],
                ),
                (
                    "Szociális földprogram",
                    "Social land programme",
                    ["rural-development", "poverty"],
                    [1, 2],
                ),
                (
                    "Digitális készségek álláskeresőknek",
                    "Digital skills for jobseekers",
                    ["digital", "employment"],
                    [4, 8],
                ),
                ("Roma mentorhálózat", "Roma mentoring network", ["roma-inclusion", "youth"], [10]),
            ],
            "places": [
                ("Debrecenben", "in Debrecen", "HU321"),
                ("Pécsett", "in Pécs", "HU231"),
                ("Miskolcon", "in Miskolc", "HU311"),
                ("Szegeden", "in Szeged", "HU333"),
                ("Nyíregyházán", "in Nyíregyháza", "HU323"),
            ],
            "programme": "Emberi Erőforrás Fejlesztési Operatív Program Plusz (EFOP Plusz)",
            "summary": {
                "hu": "„{title}” címmel kísérleti projekt indult, amely helyi partnerekkel "
                "próbál ki új szolgáltatási modellt, és megosztja eredményeit más "
                "településekkel.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other towns.",
            },
        },
    },
    # ----------------------------------------------------------------------- Slovakia (SI PLUS)
    "sk.nkcsi.ncc": {
        "country": "SK",
        "language": "sk",
        "timezone": "Europe/Bratislava",
        "published": "2025-01-22T08:00:00Z",
        "organisation": {
            "name": {
                "sk": "Národné kompetenčné centrum pre sociálne inovácie (MPSVR SR)",
                "en": "National Competence Centre for Social Innovation (MPSVR SR)",
            },
            "acronym": "NKCSI",
            "org_type": "ncc",
            "country": "SK",
            "website": "https://www.employment.gov.sk",
            "email": "nkcsi@employment.gov.sk",
            "address": "Špitálska 4, 816 43 Bratislava",
        },
        "person": {
            "display_name": "Martina Kováčová",
            "role": {
                "sk": "Expertka pre sociálne inovácie",
                "en": "Social innovation expert",
            },
            "email": "socialne.inovacie@employment.gov.sk",
            "expertise": ["social innovation", "Program Slovensko", "youth policy"],
            "languages": ["sk", "cs", "en"],
        },
        "cases": [
            {
                "title": {
                    "sk": "IncluDidAktiv – inkluzívne didaktické aktivity",
                    "en": "IncluDidAktiv – inclusive teaching activities",
                },
                "summary": {
                    "sk": "Organizácia Wellnea pripravuje aktivizujúce vzdelávacie aktivity, "
                    "ktoré pomáhajú zapojiť deti so znevýhodnením do bežného vyučovania. "
                    "Projekt bol predstavený na záverečnej konferencii SI PLUS 29. júna 2023.",
                    "en": "Wellnea designs activating learning activities that help include "
                    "children with disadvantages in mainstream classes. The project was "
                    "presented at the SI PLUS final conference on 29 June 2023.",
                },
                "countries": ["SK"],
                "level": "national",
                "lead_org": "Wellnea",
                "programming_period": "2021-2027",
                "stage": "testing",
                "themes": ["education-skills", "children-families", "social-inclusion"],
                "target_groups": ["children with disadvantages", "teachers"],
                "sdgs": [4, 10],
            },
            {
                "title": {
                    "sk": "Trendy mladých – výskum o mladých ľuďoch na Slovensku",
                    "en": "Youth Trends – research on young people in Slovakia",
                },
                "summary": {
                    "sk": "YouthWatch zisťuje, ako mladí ľudia na Slovensku žijú, učia sa, "
                    "pracujú a zapájajú sa do verejného života, a výsledky sprístupňuje "
                    "samosprávam, školám a mládežníckym organizáciám.",
                    "en": "YouthWatch surveys how young people in Slovakia live, learn, work and "
                    "take part in public life, and makes the results available to local "
                    "governments, schools and youth organisations.",
                },
                "results": {
                    "sk": "Zistenia slúžia ako podklad pre mládežnícku politiku; projekt bol "
                    "predstavený na záverečnej konferencii SI PLUS.",
                    "en": "The findings feed into youth policy; the project was presented at the "
                    "SI PLUS final conference.",
                },
                "countries": ["SK"],
                "level": "national",
                "lead_org": "YouthWatch",
                "programming_period": "2021-2027",
                "stage": "impact",
                "themes": ["youth", "public-sector-innovation"],
                "target_groups": ["young people", "youth workers", "local governments"],
                "sdgs": [4, 16],
            },
        ],
        "events": [
            {
                "title": {
                    "sk": "Záverečná konferencia projektu SI PLUS",
                    "en": "SI PLUS final conference",
                },
                "description": {
                    "sk": "Konferencia na MPSVR SR v Bratislave a online: výsledky "
                    "kompetenčných centier Rakúska, Maďarska, Slovenska a Bulharska a "
                    "prezentácia projektov IncluDidAktiv (Wellnea) a Trendy mladých "
                    "(YouthWatch).",
                    "en": "Conference at the Slovak Ministry of Labour in Bratislava and online: "
                    "results of the competence centres of Austria, Hungary, Slovakia and "
                    "Bulgaria, with the projects IncluDidAktiv (Wellnea) and Youth Trends "
                    "(YouthWatch).",
                },
                "event_type": "conference",
                "start": "2023-06-29T09:30:00",
                "end": "2023-06-29T15:30:00",
                "timezone": "Europe/Bratislava",
                "attendance": "mixed",
                "location": {
                    "address": "Špitálska 4",
                    "city": "Bratislava",
                    "country": "SK",
                    "nuts": "SK010",
                },
                "online_url": "https://www.employment.gov.sk",
                "languages": ["sk", "en"],
                "audience": "public administration, NGOs, social enterprises",
                "organisers": [
                    "MPSVR SR",
                    "L&R Sozialforschung",
                    "IFKA",
                    "Sofia Development Association",
                ],
                "status": "scheduled",
            },
            {
                "title": {
                    "sk": "Webinár: sociálne inovácie v Programe Slovensko 2021 – 2027",
                    "en": "Webinar: social innovation in the Programme Slovakia 2021–2027",
                },
                "description": {
                    "sk": "Ako navrhnúť a otestovať sociálnu inováciu a kde hľadať podporu z ESF+.",
                    "en": "How to design and test a social innovation and where to find ESF+ "
                    "support.",
                },
                "event_type": "webinar",
                "start": "2024-02-20T10:00:00",
                "end": "2024-02-20T12:00:00",
                "timezone": "Europe/Bratislava",
                "attendance": "online",
                "online_url": "https://www.employment.gov.sk",
                "languages": ["sk"],
                "audience": "municipalities, NGOs",
                "registration": {"free": True, "capacity": 200},
                "organisers": ["Národné kompetenčné centrum pre sociálne inovácie"],
                "status": "scheduled",
            },
        ],
        "generator": {
            "topics": [
                (
                    "Komunitné centrá v marginalizovaných komunitách",
                    "Community centres in marginalised communities",
                    ["roma-inclusion", "community-development"],
                    [1, 10],
                ),
                (
                    "Podporované zamestnávanie",
                    "Supported employment",
                    ["disability", "employment"],
                    [8],
                ),
                (
                    "Sociálne podniky bývania",
                    "Social housing enterprises",
                    ["housing", "social-economy"],
                    [11],
                ),
                (
                    "Terénna opatrovateľská služba",
                    "Home care outreach",
                    ["care", "older-people"],
                    [3],
                ),
                (
                    "Kariérové poradenstvo pre mladých",
                    "Career guidance for young people",
                    ["youth", "education-skills"],
                    [4, 8],
                ),
            ],
            "places": [
                ("v Košiciach", "in Košice", "SK042"),
                ("v Prešove", "in Prešov", "SK041"),
                ("v Banskej Bystrici", "in Banská Bystrica", "SK032"),
                ("v Žiline", "in Žilina", "SK031"),
                ("v Nitre", "in Nitra", "SK023"),
            ],
            "programme": "Program Slovensko 2021 – 2027",
            "summary": {
                "sk": "Pilotný projekt „{title}“ overuje s miestnymi partnermi nový model služby "
                "a výsledky zdieľa s ďalšími obcami.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # ----------------------------------------------------------------------- Bulgaria (SI PLUS)
    "bg.sofia.ncc": {
        "country": "BG",
        "language": "bg",
        "timezone": "Europe/Sofia",
        "published": "2025-02-05T08:00:00Z",
        "organisation": {
            "name": {
                "bg": "Сдружение „Асоциация за развитие на София“",
                "en": "Sofia Development Association",
            },
            "acronym": "SDA",
            "org_type": "ngo",
            "country": "BG",
            "website": "https://sofia-da.eu",
            "email": "office@sofia-da.eu",
            "address": "София, България",
        },
        "person": {
            "display_name": "Мария Петрова",
            "role": {
                "bg": "Експерт „Социални иновации“",
                "en": "Social innovation expert",
            },
            "email": "socialinnovation@sofia-da.eu",
            "expertise": ["social entrepreneurship", "urban innovation", "ESF+ project design"],
            "languages": ["bg", "en"],
        },
        "cases": [
            {
                "title": {
                    "bg": "Подкрепа за социални предприятия в София",
                    "en": "Support for social enterprises in Sofia",
                },
                "summary": {
                    "bg": "Асоциацията за развитие на София предлага обучения, менторство и "
                    "контакти с общински възложители на социални предприятия, които наемат хора "
                    "с увреждания и продължително безработни.",
                    "en": "Sofia Development Association offers training, mentoring and contacts "
                    "with municipal buyers to social enterprises that employ people with "
                    "disabilities and long-term unemployed people.",
                },
                "problem": {
                    "bg": "Социалните предприятия в България са малки и трудно печелят обществени "
                    "поръчки.",
                    "en": "Social enterprises in Bulgaria are small and rarely win public "
                    "contracts.",
                },
                "solution": {
                    "bg": "Програма от обучения по бизнес планиране, индивидуално менторство и "
                    "срещи със звена на Столичната община.",
                    "en": "A programme of business-planning training, one-to-one mentoring and "
                    "meetings with departments of Sofia Municipality.",
                },
                "countries": ["BG"],
                "nuts": ["BG411"],
                "level": "local",
                "lead_org": "Асоциация за развитие на София",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Програма „Развитие на човешките ресурси“ 2021–2027",
                        "currency": "BGN",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2023,
                "stage": "implementation",
                "themes": ["social-economy", "disability", "employment"],
                "target_groups": ["social enterprises", "people with disabilities"],
                "sdgs": [8, 10],
            },
            {
                "title": {
                    "bg": "Лаборатория за социални иновации в общинските услуги",
                    "en": "Social innovation lab for municipal services",
                },
                "summary": {
                    "bg": "Жители, социални работници и общински служители съвместно "
                    "проектират нови услуги за възрастни хора в столичните квартали.",
                    "en": "Residents, social workers and municipal staff co-design new services "
                    "for older people in Sofia's neighbourhoods.",
                },
                "countries": ["BG"],
                "nuts": ["BG411"],
                "level": "local",
                "lead_org": "Асоциация за развитие на София",
                "partners": [{"name": "Столична община", "country": "BG", "role": "partner"}],
                "funding": [{"fund": "EaSI", "programme": "SI PLUS", "currency": "EUR"}],
                "programming_period": "2021-2027",
                "start": 2022,
                "end": 2023,
                "stage": "testing",
                "themes": ["older-people", "public-sector-innovation", "care"],
                "target_groups": ["older people", "municipal social services"],
                "sdgs": [3, 11],
            },
        ],
        "events": [
            {
                "title": {
                    "bg": "Информационен ден: социално предприемачество и ЕСФ+",
                    "en": "Information day: social entrepreneurship and ESF+",
                },
                "description": {
                    "bg": "Представяне на възможностите за финансиране на социални предприятия "
                    "и добри практики от Австрия, Унгария и Словакия.",
                    "en": "Funding opportunities for social enterprises and good practices from "
                    "Austria, Hungary and Slovakia.",
                },
                "event_type": "seminar",
                "start": "2023-04-20T10:00:00",
                "end": "2023-04-20T13:00:00",
                "timezone": "Europe/Sofia",
                "attendance": "offline",
                "location": {"city": "София", "country": "BG", "nuts": "BG411"},
                "languages": ["bg"],
                "audience": "social enterprises, NGOs",
                "registration": {"capacity": 50, "free": True},
                "organisers": ["Асоциация за развитие на София"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Социални предприятия за младежи",
                    "Social enterprises for young people",
                    ["social-economy", "youth"],
                    [8],
                ),
                ("Грижа в домашна среда", "Care at home", ["care", "older-people"], [3]),
                (
                    "Образователни медиатори в училищата",
                    "Education mediators in schools",
                    ["roma-inclusion", "education-skills"],
                    [4, 10],
                ),
                (
                    "Дигитални умения за възрастни",
                    "Digital skills for adults",
                    ["digital", "education-skills"],
                    [4],
                ),
                (
                    "Заетост за хора с увреждания",
                    "Employment for people with disabilities",
                    ["disability", "employment"],
                    [8],
                ),
            ],
            "places": [
                ("в Пловдив", "in Plovdiv", "BG421"),
                ("във Варна", "in Varna", "BG331"),
                ("в Бургас", "in Burgas", "BG341"),
                ("в Русе", "in Ruse", "BG323"),
                ("в Стара Загора", "in Stara Zagora", "BG344"),
            ],
            "programme": "Програма „Развитие на човешките ресурси“ 2021–2027",
            "summary": {
                "bg": "Пилотният проект „{title}“ изпробва с местни партньори нов модел на "
                "услуга и споделя резултатите с други общини.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # --------------------------------------------------------------------------- Germany (ESIA)
    "de.esia.ncc": {
        "country": "DE",
        "language": "de",
        "timezone": "Europe/Berlin",
        "published": "2025-01-29T08:00:00Z",
        "organisation": {
            "name": {
                "de": "Social Impact gGmbH (Konsortialführung ESIA)",
                "en": "Social Impact (ESIA lead)",
            },
            "acronym": "ESIA",
            "org_type": "ngo",
            "country": "DE",
            "website": "https://socialimpact.eu",
            "email": "info@socialimpact.eu",
        },
        "person": {
            "display_name": "Jonas Hartmann",
            "role": {
                "de": "Referent für soziale Innovation und ESF Plus",
                "en": "Social innovation and ESF+ officer",
            },
            "email": "esia@socialimpact.eu",
            "expertise": ["social entrepreneurship", "impact measurement", "ESF Plus"],
            "languages": ["de", "en"],
        },
        "cases": [
            {
                "title": {
                    "de": "European Social Innovation Alliance (ESIA) – Kompetenzzentren in fünf "
                    "Ländern",
                    "en": "European Social Innovation Alliance (ESIA) – competence centres in "
                    "five countries",
                },
                "summary": {
                    "de": "Social Impact koordinierte 2021–2023 den Aufbau von Kompetenzzentren "
                    "für soziale Innovation mit Partnern aus Estland, Polen, Dänemark und dem "
                    "Vereinigten Königreich; Abschlussveranstaltung im Mai 2023 in Kopenhagen.",
                    "en": "Social Impact coordinated the building of social innovation "
                    "competence centres with partners from Estonia, Poland, Denmark and the "
                    "United Kingdom in 2021–2023; final event in Copenhagen in May 2023.",
                },
                "countries": ["DE", "EE", "PL", "DK", "GB"],
                "level": "transnational",
                "lead_org": "Social Impact gGmbH",
                "partners": [
                    {
                        "name": "Kodanikuühiskonna Sihtkapital (KÜSK)",
                        "country": "EE",
                        "role": "partner",
                    },
                    {"name": "Polish ESIA partner", "country": "PL", "role": "partner"},
                    {"name": "Danish ESIA partner", "country": "DK", "role": "partner"},
                    {"name": "UK ESIA partner", "country": "GB", "role": "partner"},
                ],
                "funding": [{"fund": "EaSI", "programme": "EaSI", "currency": "EUR"}],
                "programming_period": "2021-2027",
                "start": "2021-05-01",
                "end": "2023-05-31",
                "stage": "completed",
                "themes": ["social-economy", "public-sector-innovation"],
                "target_groups": ["social innovators", "ESF+ managing authorities"],
                "sdgs": [8, 17],
            },
            {
                "title": {
                    "de": "Gründungsbegleitung für soziale Innovationen in den Social Impact Labs",
                    "en": "Start-up support for social innovations in the Social Impact Labs",
                },
                "summary": {
                    "de": "Gründerinnen und Gründer sozialer Vorhaben erhalten Coworking-Plätze, "
                    "Coaching und Zugang zu Netzwerken, bis ihr Vorhaben tragfähig ist.",
                    "en": "Founders of social ventures get co-working space, coaching and access "
                    "to networks until their venture is viable.",
                },
                "countries": ["DE"],
                "nuts": ["DE300"],
                "level": "national",
                "lead_org": "Social Impact gGmbH",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "ESF Plus-Programm des Bundes 2021–2027",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2022,
                "stage": "implementation",
                "themes": ["social-economy", "employment"],
                "target_groups": ["social entrepreneurs"],
                "sdgs": [8, 9],
            },
        ],
        "events": [
            {
                "title": {
                    "de": "ESIA-Werkstatt: Wirkung sozialer Innovationen messen",
                    "en": "ESIA workshop: measuring the impact of social innovations",
                },
                "description": {
                    "de": "Werkstatt mit Partnern aus Estland, Polen und Dänemark zu "
                    "Wirkungsmodellen, Indikatoren und Berichten an Fördergeber.",
                    "en": "Workshop with partners from Estonia, Poland and Denmark on impact "
                    "models, indicators and reporting to funders.",
                },
                "event_type": "workshop",
                "start": "2022-10-12T10:00:00",
                "end": "2022-10-12T16:00:00",
                "timezone": "Europe/Berlin",
                "attendance": "offline",
                "location": {"city": "Berlin", "country": "DE", "nuts": "DE300"},
                "languages": ["de", "en"],
                "audience": "social entrepreneurs, funders",
                "registration": {"capacity": 30, "free": True},
                "organisers": ["Social Impact gGmbH"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Quartiersarbeit für Alleinerziehende",
                    "Neighbourhood work for single parents",
                    ["children-families", "community-development"],
                    [1, 5],
                ),
                (
                    "Berufsorientierung für Geflüchtete",
                    "Career orientation for refugees",
                    ["migration", "employment"],
                    [8, 10],
                ),
                (
                    "Digitale Nachbarschaftshilfe",
                    "Digital neighbourhood help",
                    ["digital", "older-people"],
                    [10],
                ),
                (
                    "Inklusive Ausbildung im Handwerk",
                    "Inclusive apprenticeships in crafts",
                    ["disability", "education-skills"],
                    [4, 8],
                ),
                (
                    "Energieberatung gegen Energiearmut",
                    "Energy advice against energy poverty",
                    ["green-transition", "poverty"],
                    [1, 7],
                ),
            ],
            "places": [
                ("in Leipzig", "in Leipzig", "DED51"),
                ("in Hamburg", "in Hamburg", "DE600"),
                ("in Köln", "in Cologne", "DEA23"),
                ("in Potsdam", "in Potsdam", "DE423"),
                ("in Stuttgart", "in Stuttgart", "DE111"),
            ],
            "programme": "ESF Plus-Programm des Bundes 2021–2027",
            "summary": {
                "de": "Das Modellprojekt „{title}“ erprobt mit Partnern vor Ort ein neues Angebot "
                "und teilt die Ergebnisse mit anderen Kommunen.",
                "en": "The model project “{title}” tests a new service with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # --------------------------------------------------------------------------- Estonia (ESIA)
    "ee.kusk.ncc": {
        "country": "EE",
        "language": "et",
        "timezone": "Europe/Tallinn",
        "published": "2025-01-17T08:00:00Z",
        "organisation": {
            "name": {
                "et": "Kodanikuühiskonna Sihtkapital (KÜSK)",
                "en": "National Foundation of Civil Society (KUSK)",
            },
            "acronym": "KÜSK",
            "org_type": "ncc",
            "country": "EE",
            "website": "https://www.kysk.ee",
            "email": "info@kysk.ee",
            "address": "Tallinn, Eesti",
        },
        "person": {
            "display_name": "Kadri Tamm",
            "role": {
                "et": "Sotsiaalse innovatsiooni kompetentsikeskuse koordinaator",
                "en": "Coordinator of the social innovation competence centre",
            },
            "email": "innovatsioon@kysk.ee",
            "expertise": ["civil society", "social enterprises", "community development"],
            "languages": ["et", "en", "ru"],
        },
        "cases": [
            {
                "title": {
                    "et": "Eesti sotsiaalse innovatsiooni kompetentsikeskus",
                    "en": "Estonian social innovation competence centre",
                },
                "summary": {
                    "et": "KÜSK koordineerib alates 14. maist 2021 Eesti sotsiaalse "
                    "innovatsiooni kompetentsikeskust, mida kaasrahastab ESF+ 80% ulatuses, "
                    "ja on European Social Innovation Alliance'i partner.",
                    "en": "Since 14 May 2021 KUSK has coordinated the Estonian social innovation "
                    "competence centre, 80% co-funded by ESF+, as a partner of the European "
                    "Social Innovation Alliance.",
                },
                "solution": {
                    "et": "Õppereisid, ideekonkursid ja võrgustik kodanikuühenduste, "
                    "sotsiaalsete ettevõtete ja omavalitsuste vahel.",
                    "en": "Study trips, idea competitions and a network between civil society "
                    "organisations, social enterprises and local governments.",
                },
                "countries": ["EE"],
                "level": "national",
                "lead_org": "Kodanikuühiskonna Sihtkapital (KÜSK)",
                "partners": [
                    {"name": "Social Impact gGmbH", "country": "DE", "role": "consortium lead"}
                ],
                "funding": [
                    {"fund": "ESF+", "programme": "ESF+ (80% co-funding)", "currency": "EUR"}
                ],
                "programming_period": "2021-2027",
                "start": "2021-05-14",
                "stage": "implementation",
                "themes": ["community-development", "social-economy", "public-sector-innovation"],
                "target_groups": ["civil society organisations", "local governments"],
                "sdgs": [16, 17],
            },
            {
                "title": {
                    "et": "Kogukonnapõhine koduhooldus Kagu-Eestis",
                    "en": "Community-based home care in South-East Estonia",
                },
                "summary": {
                    "et": "Külaseltsid ja vallad korraldavad koos eakatele koduhooldust, "
                    "transporti ja seltsitegevust hajaasustusega piirkondades.",
                    "en": "Village associations and rural municipalities jointly organise home "
                    "care, transport and social activities for older people in sparsely "
                    "populated areas.",
                },
                "countries": ["EE"],
                "nuts": ["EE008"],
                "level": "regional",
                "lead_org": "Võrumaa omavalitsuste koostöövõrgustik",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Ühtekuuluvuspoliitika fondide rakenduskava 2021–2027",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2024,
                "stage": "testing",
                "themes": ["care", "older-people", "rural-development"],
                "target_groups": ["older people living alone"],
                "sdgs": [3, 11],
            },
        ],
        "events": [
            {
                "title": {
                    "et": "Impact Day 2022 – mõjusa ettevõtluse päev",
                    "en": "Impact Day 2022",
                },
                "description": {
                    "et": "Sotsiaalsete Ettevõtete Võrgustiku korraldatud päev Põhjala tehases "
                    "Tallinnas, mida toetas KÜSK 4000 euroga.",
                    "en": "A day run by Social Enterprise Estonia at the Põhjala factory in "
                    "Tallinn, supported by a EUR 4,000 grant from KUSK.",
                },
                "event_type": "conference",
                "start": "2022-10-07T10:00:00",
                "end": "2022-10-07T18:00:00",
                "timezone": "Europe/Tallinn",
                "attendance": "offline",
                "location": {
                    "address": "Põhjala tehas, Marati 5",
                    "city": "Tallinn",
                    "country": "EE",
                    "nuts": "EE001",
                },
                "languages": ["et", "en"],
                "audience": "social entrepreneurs, investors, public sector",
                "organisers": ["Sotsiaalsete Ettevõtete Võrgustik", "KÜSK"],
                "status": "scheduled",
            },
            {
                "title": {
                    "et": "Sotsiaalse innovatsiooni õppereis Kagu-Eestisse",
                    "en": "Social innovation study trip to South-East Estonia",
                },
                "description": {
                    "et": "Kahepäevane õppereis Võru- ja Põlvamaale: kohtumised kogukondade, "
                    "sotsiaalsete ettevõtete ja valdadega, kes lahendavad hajaasustuse mured "
                    "uudsel moel.",
                    "en": "Two-day study trip to Võru and Põlva counties: meetings with "
                    "communities, social enterprises and rural municipalities that tackle the "
                    "challenges of sparse settlement in new ways.",
                },
                "event_type": "study-visit",
                "start": "2025-10-28T09:00:00",
                "end": "2025-10-29T17:00:00",
                "timezone": "Europe/Tallinn",
                "attendance": "offline",
                "location": {"city": "Võru", "country": "EE", "nuts": "EE008"},
                "languages": ["et"],
                "audience": "civil society organisations, local governments",
                "registration": {"capacity": 25, "free": True, "deadline": "2025-10-17T23:59:00"},
                "organisers": ["KÜSK"],
                "status": "scheduled",
            },
        ],
        "generator": {
            "topics": [
                (
                    "Noorte kogukonnapraktika",
                    "Community internships for young people",
                    ["youth", "community-development"],
                    [4, 11],
                ),
                (
                    "Eakate digiõpe",
                    "Digital learning for older people",
                    ["digital", "older-people"],
                    [4],
                ),
                (
                    "Sotsiaalne ettevõtlus maapiirkonnas",
                    "Social enterprise in rural areas",
                    ["social-economy", "rural-development"],
                    [8],
                ),
                (
                    "Uussisserändajate kohanemine",
                    "Integration of newcomers",
                    ["migration", "social-inclusion"],
                    [10],
                ),
                (
                    "Toetatud töö erivajadusega inimestele",
                    "Supported work for people with special needs",
                    ["disability", "employment"],
                    [8],
                ),
            ],
            "places": [
                ("Tartus", "in Tartu", "EE008"),
                ("Pärnus", "in Pärnu", "EE004"),
                ("Narvas", "in Narva", "EE00A"),
                ("Viljandis", "in Viljandi", "EE008"),
                ("Kuressaares", "in Kuressaare", "EE004"),
            ],
            "programme": "Ühtekuuluvuspoliitika fondide rakenduskava 2021–2027",
            "summary": {
                "et": "Katseprojekt „{title}“ proovib koos kohalike partneritega uut "
                "teenusemudelit ja jagab tulemusi teiste omavalitsustega.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # ---------------------------------------------------------------------------- Poland (ESIA)
    "pl.esia.ncc": {
        "country": "PL",
        "language": "pl",
        "timezone": "Europe/Warsaw",
        "published": "2025-02-12T08:00:00Z",
        "organisation": {
            "name": {
                "pl": "Polski partner ESIA – ośrodek kompetencji w zakresie innowacji społecznych",
                "en": "Polish ESIA partner",
            },
            "org_type": "ncc",
            "country": "PL",
            "address": "Warszawa, Polska",
        },
        "person": {
            "display_name": "Agnieszka Wróblewska",
            "role": {
                "pl": "Ekspertka ds. innowacji społecznych",
                "en": "Social innovation expert",
            },
            "expertise": ["social cooperatives", "scaling social innovation"],
            "languages": ["pl", "en"],
        },
        "cases": [
            {
                "title": {
                    "pl": "Spółdzielnie socjalne w Małopolsce",
                    "en": "Social cooperatives in Małopolska",
                },
                "summary": {
                    "pl": "Gminy i organizacje pozarządowe zakładają spółdzielnie socjalne, które "
                    "dają pracę osobom długotrwale bezrobotnym i z niepełnosprawnościami.",
                    "en": "Municipalities and NGOs set up social cooperatives that give work to "
                    "long-term unemployed people and people with disabilities.",
                },
                "solution": {
                    "pl": "Ośrodki wsparcia ekonomii społecznej doradzają, szkolą i pomagają "
                    "zdobywać zlecenia od samorządów.",
                    "en": "Social economy support centres advise, train and help win contracts "
                    "from local governments.",
                },
                "countries": ["PL"],
                "nuts": ["PL21"],
                "level": "regional",
                "lead_org": "Ośrodki Wsparcia Ekonomii Społecznej w Małopolsce",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "Regionalny Program Operacyjny Województwa "
                        "Małopolskiego 2014–2020",
                        "currency": "PLN",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2016,
                "end": 2023,
                "stage": "impact",
                "themes": ["social-economy", "employment", "disability"],
                "target_groups": ["long-term unemployed people", "people with disabilities"],
                "sdgs": [8, 10],
            },
            {
                "title": {
                    "pl": "Asystencja osobista w gminach wiejskich na Podkarpaciu",
                    "en": "Personal assistance in rural municipalities of Podkarpackie",
                },
                "summary": {
                    "pl": "Asystenci pomagają osobom z niepełnosprawnościami w codziennych "
                    "sprawach, pracy i nauce, tak aby mogły mieszkać samodzielnie w swojej "
                    "miejscowości.",
                    "en": "Assistants help people with disabilities with everyday tasks, work "
                    "and study, so that they can live independently in their home village.",
                },
                "countries": ["PL"],
                "nuts": ["PL82"],
                "level": "regional",
                "lead_org": "Partnerstwo gmin wiejskich Podkarpacia",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Fundusze Europejskie dla Rozwoju Społecznego 2021–2027",
                        "currency": "PLN",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2024,
                "stage": "testing",
                "themes": ["disability", "care", "rural-development"],
                "target_groups": ["people with disabilities", "family carers"],
                "sdgs": [3, 10],
            },
        ],
        "events": [
            {
                "title": {
                    "pl": "Warsztaty: jak skalować innowacje społeczne",
                    "en": "Workshop: how to scale social innovations",
                },
                "description": {
                    "pl": "Praktyczne warsztaty dla autorów innowacji i samorządów o tym, jak "
                    "przenieść sprawdzone rozwiązanie do kolejnych gmin.",
                    "en": "Hands-on workshop for innovators and local governments on taking a "
                    "proven solution to more municipalities.",
                },
                "event_type": "workshop",
                "start": "2023-02-23T10:00:00",
                "end": "2023-02-23T15:00:00",
                "timezone": "Europe/Warsaw",
                "attendance": "offline",
                "location": {"city": "Warszawa", "country": "PL", "nuts": "PL911"},
                "languages": ["pl"],
                "audience": "innovators, local governments",
                "registration": {"capacity": 40, "free": True},
                "organisers": ["Polski partner ESIA"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Kluby seniora",
                    "Senior clubs",
                    ["older-people", "community-development"],
                    [3, 11],
                ),
                ("Mieszkania wspomagane", "Supported housing", ["housing", "disability"], [11]),
                (
                    "Aktywizacja zawodowa młodzieży",
                    "Labour activation of young people",
                    ["youth", "employment"],
                    [8],
                ),
                (
                    "Integracja cudzoziemców na rynku pracy",
                    "Labour-market integration of foreigners",
                    ["migration", "employment"],
                    [8, 10],
                ),
                (
                    "Centra usług społecznych",
                    "Social service centres",
                    ["public-sector-innovation", "care"],
                    [3],
                ),
            ],
            "places": [
                ("w Krakowie", "in Kraków", "PL213"),
                ("we Wrocławiu", "in Wrocław", "PL514"),
                ("w Gdańsku", "in Gdańsk", "PL634"),
                ("w Lublinie", "in Lublin", "PL814"),
                ("w Poznaniu", "in Poznań", "PL415"),
            ],
            "programme": "Fundusze Europejskie dla Rozwoju Społecznego 2021–2027",
            "summary": {
                "pl": "Projekt pilotażowy „{title}” testuje z lokalnymi partnerami nowy model "
                "usługi i dzieli się wynikami z innymi gminami.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
    # --------------------------------------------------------------------------- Denmark (ESIA)
    "dk.esia.ncc": {
        "country": "DK",
        "language": "da",
        "timezone": "Europe/Copenhagen",
        "published": "2025-02-17T08:00:00Z",
        "organisation": {
            "name": {
                "da": "Dansk ESIA-partner – kompetencecenter for social innovation",
                "en": "Danish ESIA partner",
            },
            "org_type": "ncc",
            "country": "DK",
            "address": "København, Danmark",
        },
        "person": {
            "display_name": "Mette Kjærgaard",
            "role": {
                "da": "Konsulent for social innovation",
                "en": "Social innovation consultant",
            },
            "expertise": ["supported employment", "social economy"],
            "languages": ["da", "en"],
        },
        "cases": [
            {
                "title": {
                    "da": "IPS: job med støtte for mennesker med psykiske lidelser",
                    "en": "IPS: supported employment for people with mental illness",
                },
                "summary": {
                    "da": "Jobkonsulenter i jobcentre og psykiatrien arbejder sammen, så "
                    "borgere med psykiske lidelser hurtigt kommer i ordinært arbejde eller "
                    "uddannelse med støtte undervejs.",
                    "en": "Job consultants in job centres and psychiatric services work together "
                    "so that people with mental illness quickly enter ordinary work or "
                    "education, with support along the way.",
                },
                "countries": ["DK"],
                "nuts": ["DK01"],
                "level": "regional",
                "lead_org": "Jobcentre og regionspsykiatri i Hovedstaden",
                "funding": [
                    {"fund": "national", "programme": "Statslig satspulje", "currency": "DKK"}
                ],
                "programming_period": "2014-2020",
                "start": 2016,
                "stage": "impact",
                "themes": ["health", "employment", "disability"],
                "target_groups": ["people with mental illness"],
                "sdgs": [3, 8],
            },
            {
                "title": {
                    "da": "Socialøkonomiske virksomheder i Aarhus",
                    "en": "Social economy enterprises in Aarhus",
                },
                "summary": {
                    "da": "Kommunen køber ydelser hos socialøkonomiske virksomheder, der "
                    "ansætter ledige på kanten af arbejdsmarkedet.",
                    "en": "The municipality buys services from social economy enterprises that "
                    "hire unemployed people on the margins of the labour market.",
                },
                "countries": ["DK"],
                "nuts": ["DK042"],
                "level": "local",
                "lead_org": "Netværk for socialøkonomiske virksomheder i Østjylland",
                "funding": [
                    {
                        "fund": "ESF",
                        "programme": "Den Europæiske Socialfond 2014–2020",
                        "currency": "DKK",
                    }
                ],
                "programming_period": "2014-2020",
                "start": 2018,
                "end": 2021,
                "stage": "completed",
                "themes": ["social-economy", "employment"],
                "target_groups": ["unemployed people"],
                "sdgs": [8, 12],
            },
        ],
        "events": [
            {
                "title": {
                    "da": "ESIA's afsluttende konference i København",
                    "en": "ESIA final event in Copenhagen",
                },
                "description": {
                    "da": "Afslutning på European Social Innovation Alliance med partnere fra "
                    "Tyskland, Estland, Polen, Danmark og Storbritannien: resultater og næste "
                    "skridt for kompetencecentrene.",
                    "en": "Closing event of the European Social Innovation Alliance with partners "
                    "from Germany, Estonia, Poland, Denmark and the United Kingdom: results and "
                    "next steps for the competence centres.",
                },
                "event_type": "conference",
                "start": "2023-05-10T09:30:00",
                "end": "2023-05-10T16:00:00",
                "timezone": "Europe/Copenhagen",
                "attendance": "offline",
                "location": {"city": "København", "country": "DK", "nuts": "DK011"},
                "languages": ["en", "da"],
                "audience": "competence centres, social innovators, public sector",
                "organisers": ["Dansk ESIA-partner", "Social Impact gGmbH"],
                "status": "scheduled",
            }
        ],
        "generator": {
            "topics": [
                (
                    "Fællesskaber mod ensomhed",
                    "Communities against loneliness",
                    ["older-people", "community-development"],
                    [3, 11],
                ),
                (
                    "Unge uden job og uddannelse",
                    "Young people not in work or education",
                    ["youth", "education-skills"],
                    [4, 8],
                ),
                (
                    "Boligsocial indsats",
                    "Social housing initiative",
                    ["housing", "social-inclusion"],
                    [11],
                ),
                (
                    "Integration på arbejdspladsen",
                    "Integration at the workplace",
                    ["migration", "employment"],
                    [8],
                ),
                (
                    "Grøn omstilling med socialøkonomi",
                    "Green transition with the social economy",
                    ["green-transition", "social-economy"],
                    [12, 13],
                ),
            ],
            "places": [
                ("i Aarhus", "in Aarhus", "DK042"),
                ("i Odense", "in Odense", "DK031"),
                ("i Aalborg", "in Aalborg", "DK050"),
                ("i Esbjerg", "in Esbjerg", "DK032"),
                ("i Roskilde", "in Roskilde", "DK021"),
            ],
            "programme": "Socialfonden Plus 2021–2027",
            "summary": {
                "da": "Forsøget »{title}« afprøver en ny indsats med lokale partnere og deler "
                "resultaterne med andre kommuner.",
                "en": "The pilot “{title}” tests a new approach with local partners and shares "
                "its results with other municipalities.",
            },
        },
    },
    # --------------------------------------------------------------------------------- Latvia
    "lv.sif.ncc": {
        "country": "LV",
        "language": "lv",
        "timezone": "Europe/Riga",
        "published": "2025-01-24T08:00:00Z",
        "organisation": {
            "name": {
                "lv": "Sabiedrības integrācijas fonds (SIF)",
                "en": "Society Integration Foundation (SIF)",
            },
            "acronym": "SIF",
            "org_type": "ncc",
            "country": "LV",
            "website": "https://www.sif.gov.lv",
            "email": "pasts@sif.gov.lv",
            "address": "Rīga, Latvija",
        },
        "person": {
            "display_name": "Ilze Bērziņa",
            "role": {
                "lv": "Sociālo inovāciju kompetences centra eksperte",
                "en": "Expert at the social innovation competence centre",
            },
            "email": "socialas.inovacijas@sif.gov.lv",
            "expertise": ["social innovation", "ESF+ calls", "regional development"],
            "languages": ["lv", "en", "ru"],
        },
        "cases": [
            {
                "title": {
                    "lv": "Latvijas Sociālo inovāciju kompetences centrs",
                    "en": "Latvian social innovation competence centre",
                },
                "summary": {
                    "lv": "Ministru kabinets 2023. gada 5. decembrī noteica Sabiedrības "
                    "integrācijas fondu par nacionālo sociālo inovāciju kompetences centru. "
                    "Pasākumam 4.4.1.1 pieejami 15 milj. eiro, no tiem 12,75 milj. eiro ESF+.",
                    "en": "On 5 December 2023 the Cabinet of Ministers designated the Society "
                    "Integration Foundation as the national social innovation competence "
                    "centre. Measure 4.4.1.1 has EUR 15 million, of which EUR 12.75 million "
                    "ESF+.",
                },
                "solution": {
                    "lv": "Centrs konsultē inovāciju autorus, rīko mācības visos reģionos un "
                    "administrē atklātu projektu konkursu.",
                    "en": "The centre advises innovators, runs trainings in all regions and "
                    "manages an open call for projects.",
                },
                "countries": ["LV"],
                "level": "national",
                "lead_org": "Sabiedrības integrācijas fonds",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Eiropas Savienības kohēzijas politikas programma "
                        "2021.–2027. gadam, pasākums 4.4.1.1",
                        "amount": 12750000,
                        "currency": "EUR",
                    },
                    {
                        "fund": "national",
                        "programme": "Valsts budžeta līdzfinansējums, pasākums 4.4.1.1",
                        "amount": 2250000,
                        "currency": "EUR",
                    },
                ],
                "programming_period": "2021-2027",
                "start": "2023-12-05",
                "stage": "implementation",
                "themes": ["public-sector-innovation", "social-inclusion"],
                "target_groups": ["NGOs", "municipalities", "social enterprises"],
                "sdgs": [10, 17],
                "outcomes": [
                    {
                        "indicator": "total budget of measure 4.4.1.1",
                        "value": 15000000,
                        "unit": "EUR",
                        "year": 2023,
                    }
                ],
                "website": "https://www.sif.gov.lv",
            },
            {
                "title": {
                    "lv": "Sociālā uzņēmējdarbība Latgales pierobežā",
                    "en": "Social entrepreneurship in the Latgale border region",
                },
                "summary": {
                    "lv": "Vietējās kopienas Latgalē veido sociālos uzņēmumus, kas nodrošina "
                    "darbu un pakalpojumus mazapdzīvotos pagastos.",
                    "en": "Local communities in Latgale set up social enterprises that provide "
                    "jobs and services in sparsely populated rural parishes.",
                },
                "countries": ["LV"],
                "nuts": ["LV005"],
                "level": "regional",
                "lead_org": "Latgales kopienu sadarbības tīkls",
                "funding": [
                    {
                        "fund": "ESF+",
                        "programme": "Eiropas Savienības kohēzijas politikas programma "
                        "2021.–2027. gadam",
                        "currency": "EUR",
                    }
                ],
                "programming_period": "2021-2027",
                "start": 2024,
                "stage": "idea",
                "themes": ["social-economy", "rural-development", "community-development"],
                "target_groups": ["rural communities", "unemployed people"],
                "sdgs": [8, 11],
            },
        ],
        "events": [
            {
                "title": {
                    "lv": "Mācību cikls par sociālajām inovācijām: seminārs Latgalē",
                    "en": "Training cycle on social innovation: seminar in Latgale",
                },
                "description": {
                    "lv": "Viens no pieciem SIF semināriem 2025. gadā visos Latvijas reģionos, "
                    "tostarp Latgalē: kā no idejas nonākt līdz pārbaudītam risinājumam.",
                    "en": "One of five SIF seminars held across Latvia in 2025, including "
                    "Latgale: how to get from an idea to a tested solution.",
                },
                "event_type": "training",
                "start": "2025-09-18T10:00:00",
                "end": "2025-09-18T16:00:00",
                "timezone": "Europe/Riga",
                "attendance": "offline",
                "location": {"city": "Rēzekne", "country": "LV", "nuts": "LV005"},
                "languages": ["lv"],
                "audience": "NGOs, municipalities, social entrepreneurs",
                "registration": {"capacity": 40, "free": True},
                "organisers": ["Sabiedrības integrācijas fonds"],
                "status": "scheduled",
            },
            {
                "title": {
                    "lv": "Atklāta projektu iesniegumu atlase: pasākums 4.4.1.1 „Sociālās "
                    "inovācijas“",
                    "en": "Open call for project applications: measure 4.4.1.1 “Social innovation”",
                },
                "description": {
                    "lv": "Atklātajai atlasei pieejami 9 milj. eiro; viena projekta finansējums – "
                    "līdz 300 000 eiro.",
                    "en": "EUR 9 million is available in the open call; up to EUR 300,000 per "
                    "project.",
                },
                "event_type": "call-for-proposals",
                "start": "2024-10-01T09:00:00",
                "end": "2024-12-02T23:59:00",
                "timezone": "Europe/Riga",
                "attendance": "online",
                "online_url": "https://www.sif.gov.lv",
                "languages": ["lv"],
                "audience": "NGOs, municipalities, social enterprises",
                "organisers": ["Sabiedrības integrācijas fonds"],
                "status": "scheduled",
                "call": {
                    "budget": 9000000,
                    "currency": "EUR",
                    "grant_max": 300000,
                    "deadline": "2024-12-02T23:59:00",
                },
            },
        ],
        "generator": {
            "topics": [
                (
                    "Atbalsta personas pakalpojums",
                    "Support person service",
                    ["disability", "care"],
                    [3, 10],
                ),
                (
                    "Jauniešu iesaiste brīvprātīgajā darbā",
                    "Youth engagement in volunteering",
                    ["youth", "community-development"],
                    [4, 16],
                ),
                (
                    "Senioru digitālās prasmes",
                    "Digital skills for seniors",
                    ["digital", "older-people"],
                    [4],
                ),
                (
                    "Sociālie uzņēmumi lauku kopienās",
                    "Social enterprises in rural communities",
                    ["social-economy", "rural-development"],
                    [8],
                ),
                (
                    "Ukrainas civiliedzīvotāju integrācija",
                    "Integration of Ukrainian civilians",
                    ["migration", "social-inclusion"],
                    [10],
                ),
            ],
            "places": [
                ("Daugavpilī", "in Daugavpils", "LV005"),
                ("Liepājā", "in Liepāja", "LV003"),
                ("Jelgavā", "in Jelgava", "LV009"),
                ("Valmierā", "in Valmiera", "LV008"),
                ("Rīgā", "in Riga", "LV006"),
            ],
            "programme": "Eiropas Savienības kohēzijas politikas programma 2021.–2027. gadam",
            "summary": {
                "lv": "Izmēģinājuma projekts „{title}“ kopā ar vietējiem partneriem pārbauda "
                "jaunu pakalpojuma modeli un dalās rezultātos ar citām pašvaldībām.",
                "en": "The pilot “{title}” tests a new service model with local partners and "
                "shares its results with other municipalities.",
            },
        },
    },
}
