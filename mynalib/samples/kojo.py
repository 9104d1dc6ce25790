"""控除証明書: the household's deduction certificates and their XML, signed by the SAMPLE issuer.

NTA schema forms (TEG800 生命保険料, TEG810 地震保険料, TEG822/TEG830 寄附金, TEG840 国民年金保険料,
TEG850 iDeCo) with element codes as in the XSDs, in the format :mod:`mynalib.sources.kojo_xml`
reads. Each file carries one enveloped XML signature by the SAMPLE issuer whose key and
certificate are committed in ``mynalib/data/sample_keys/`` (TEST ONLY: made by
``scripts/make_sample_keys.py``, never to be trusted outside tests and demos).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ..jp import eras
from ..jp.age import age_on
from ..paths import package_data
from ._xml import xml_escape
from .household import CERT_YEARS, DEFAULT_SEED, person

#: where the sample issuer key, its certificate and the sample root live (SAMPLE/TEST ONLY)
SAMPLE_KEYS_DIR = package_data("sample_keys")
SAMPLE_ROOT_CERT = SAMPLE_KEYS_DIR / "sample_root_cert.pem"
SAMPLE_ISSUER_CERT = SAMPLE_KEYS_DIR / "sample_issuer_cert.pem"
SAMPLE_ISSUER_KEY = SAMPLE_KEYS_DIR / "sample_issuer_key.pem"


def reiwa(year: int) -> int:
    """令和 year number of a Western year (2019 → 1)."""
    return year - eras.era("令和").first_year + 1


_NS = (
    'xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" '
    'xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" '
    'xmlns:kyo="http://xml.e-tax.nta.go.jp/XSD/kyotsu" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
_VR = {
    "TEG800": "1.1",
    "TEG810": "1.1",
    "TEG822": "1.0",
    "TEG830": "1.0",
    "TEG840": "1.0",
    "TEG850": "1.0",
}

#: an XML element: (tag, text) or (tag, [child nodes])
Node = tuple[str, Any]


def _render(node: Node, depth: int) -> str:
    tag, body = node
    ind = "\t" * depth
    if isinstance(body, str):
        return f"{ind}<{tag}>{xml_escape(body)}</{tag}>\n"
    inner = "".join(_render(child, depth + 1) for child in body)
    return f"{ind}<{tag}>\n{inner}{ind}</{tag}>\n"


def _ymd(d: date, pad: bool = False) -> list[Node]:
    f = "02d" if pad else "d"
    return [("gen:yyyy", str(d.year)), ("gen:mm", format(d.month, f)), ("gen:dd", format(d.day, f))]


def _era_ymd(d: date) -> list[Node]:
    return [
        ("gen:era", "5"),
        ("gen:yy", str(reiwa(d.year))),
        ("gen:mm", str(d.month)),
        ("gen:dd", str(d.day)),
    ]


def _era_y(year: int) -> list[Node]:
    return [("gen:era", "5"), ("gen:yy", str(reiwa(year)))]


def _kubun(code: int) -> list[Node]:
    return [("kubun_CD", str(code))]


def _amt(n: int, pad: bool = False) -> str:
    return f"{n:09d}" if pad else str(n)


def _form_xml(
    form: str, root_id: str, made: date, issuer: str, soft: str, body: list[Node]
) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/xsl" href="CM{form}-001.xsl"?>'
        f'<{form} {_NS} VR="{_VR[form]}" id="{root_id}" page="1" sakuseiDay="{made.isoformat()}" '
        f'sakuseiNM="{xml_escape(issuer)}" softNM="{xml_escape(soft)}">\n'
    )
    inner = "".join(_render(n, 1) for n in body)
    return (head + inner + f"</{form}>\n").encode("utf-8")


def _root_id(form: str, made: date, rng: random.Random) -> str:
    return f"{form}{made:%Y%m%d}{rng.randint(0, 235959):06d}{rng.randint(0, 9999999):07d}"


# ---- life insurance (TEG800)
#: contracts: (holder, issuer, policy, kind, contract date, regime 1 新 2 旧, category, monthly,
#: yearly dividend, insured, beneficiary)
_LIFE = (
    (
        "taro",
        "見本生命保険株式会社",
        "S-2014-0061734",
        "終身保険",
        date(2014, 6, 1),
        1,
        "一般",
        7000,
        0,
        "taro",
        "hanako",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "S-2016-0902281",
        "医療保険",
        date(2016, 9, 1),
        1,
        "介護医療",
        3200,
        0,
        "taro",
        "taro",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "K-2004-0400917",
        "定期保険特約付終身保険",
        date(2004, 4, 1),
        2,
        "一般",
        9500,
        3000,
        "taro",
        "hanako",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "N-2008-1100452",
        "個人年金保険",
        date(2008, 11, 1),
        2,
        "年金",
        10000,
        0,
        "taro",
        "taro",
    ),
    (
        "hanako",
        "架空生命保険相互会社",
        "7302-558190",
        "個人年金保険",
        date(2019, 4, 1),
        1,
        "年金",
        8000,
        0,
        "hanako",
        "hanako",
    ),
)
_OLD = {"一般": ("WCE00230", "WCE00240"), "年金": ("WCE00270", "WCE00280")}
_NEW = {
    "一般": ("WCE00320", "WCE00330"),
    "介護医療": ("WCE00360", "WCE00370"),
    "年金": ("WCE00400", "WCE00410"),
}
_OLD_PROJ = {"一般": ("WCE00470", "WCE00480"), "年金": ("WCE00510", "WCE00520")}
_NEW_PROJ = {
    "一般": ("WCE00560", "WCE00570"),
    "介護医療": ("WCE00600", "WCE00610"),
    "年金": ("WCE00640", "WCE00650"),
}


def _code(base: str, offset: int) -> str:
    return f"{base[:3]}{int(base[3:]) + offset:05d}"


def _teg800(holder: str, issuer: str, year: int, made: date) -> tuple[list[Node], Any]:
    lines: list[Node] = []
    summary: list[dict[str, Any]] = []
    for h, iss, policy, kind, start, regime, cat, monthly, dividend, insured, benef in _LIFE:
        if h != holder or iss != issuer:
            continue
        paid = monthly * 9  # January to September: certificates are issued in October
        year_paid = monthly * 12
        div = dividend
        table, proj = (_NEW, _NEW_PROJ) if regime == 1 else (_OLD, _OLD_PROJ)
        group, first = table[cat]
        pgroup, pfirst = proj[cat]
        cert_amounts: list[Node] = [
            ("WCE00200", [("gen:yyyy", str(year)), ("gen:mm", "1")]),
            ("WCE00210", [("gen:yyyy", str(year)), ("gen:mm", "9")]),
        ]
        regime_block = (
            "WCE00310" if regime == 1 else "WCE00220",
            [
                (
                    group,
                    [
                        (first, str(paid)),
                        (_code(first, 10), str(div)),
                        (_code(first, 20), str(paid - div)),
                    ],
                )
            ],
        )
        cert_amounts.append(regime_block)
        projection = [
            (
                "WCE00550" if regime == 1 else "WCE00460",
                [
                    (
                        pgroup,
                        [
                            (pfirst, str(year_paid)),
                            (_code(pfirst, 10), str(div)),
                            (_code(pfirst, 20), str(year_paid - div)),
                        ],
                    )
                ],
            )
        ]
        line: list[Node] = [
            ("WCE00010", [("gen:yyyy", str(year))]),
            ("WCE00020", "生命保険料控除証明書"),
            ("WCE00030", _kubun(regime)),
            ("WCE00040", policy),
            ("WCE00050", kind),
            ("WCE00060", _ymd(start)),
            ("WCE00080", person(insured).name),
            ("WCE00100", "月払"),
            ("WCE00110", person(benef).name),
        ]
        if cat == "年金":
            b = person(benef)
            line.append(
                (
                    "WCE00130",
                    [
                        ("WCE00140", _ymd(b.birth)),
                        ("WCE00150", str(65 - age_on(b.birth, start))),
                        ("WCE00160", "確定年金"),
                        ("WCE00170", "10"),
                        ("WCE00180", _ymd(date(b.birth.year + 65, start.month, 1))),
                    ],
                )
            )
        line += [("WCE00190", cert_amounts), ("WCE00440", projection)]
        lines.append(("WCE00000", line))
        summary.append(
            {
                "policy": policy,
                "kind": kind,
                "regime": "新" if regime == 1 else "旧",
                "category": cat,
                "contract_date": start,
                "paid": paid,
                "dividend": div,
                "certified": paid - div,
                "projected": year_paid - div,
                "period": (1, 9),
            }
        )
    body: list[Node] = [
        ("WCA00000", issuer),
        ("WCC00000", _ymd(made)),
        ("WCD00000", person(holder).name),
        *lines,
    ]
    return body, summary


# ---- earthquake insurance (TEG810): zero-padded amounts and months, as some insurers write
def _teg810(year: int, made: date) -> tuple[list[Node], Any]:
    quake, old = 38400, 1650 * 12
    body: list[Node] = [
        ("WDA00000", "見本損害保険株式会社"),
        ("WDC00000", _ymd(made, pad=True)),
        ("WDD00000", person("taro").name),
        (
            "WDE00000",
            [
                ("WDE00010", [("gen:yyyy", str(year))]),
                ("WDE00020", _kubun(1)),
                ("WDE00030", [("WDE00040", "JS-21-0045120"), ("WDE00050", "01")]),
                ("WDE00060", person("taro").name),
                ("WDE00070", _kubun(3)),
                ("WDE00080", [("WDE00090", _ymd(date(2021, 4, 1), pad=True)), ("WDE00100", "5")]),
                ("WDE00110", _kubun(2)),
                ("WDE00120", [("WDE00130", _ymd(date(2021, 4, 1), pad=True)), ("WDE00140", "5")]),
                ("WDE00150", _kubun(1)),
                ("WDE00160", [("WDE00170", _amt(quake, True)), ("WDE00180", _amt(quake, True))]),
                ("WDE00215", "所得税法第77条第1項"),
            ],
        ),
        (
            "WDE00000",
            [
                ("WDE00010", [("gen:yyyy", str(year))]),
                ("WDE00020", _kubun(2)),
                ("WDE00030", [("WDE00040", "CH-03-0718844")]),
                ("WDE00060", person("taro").name),
                ("WDE00070", _kubun(1)),
                ("WDE00080", [("WDE00090", _ymd(date(2003, 10, 1), pad=True)), ("WDE00100", "30")]),
                ("WDE00110", _kubun(1)),
                ("WDE00120", [("WDE00130", _ymd(date(2003, 10, 1), pad=True)), ("WDE00140", "30")]),
                ("WDE00150", _kubun(3)),
                ("WDE00190", [("WDE00200", _amt(old, True)), ("WDE00210", _amt(old, True))]),
                ("WDE00215", "平成18年改正法附則第10条第2項"),
            ],
        ),
    ]
    summary = [
        {"policy": "JS-21-0045120", "kind": "地震", "premium": quake, "deductible": quake},
        {"policy": "CH-03-0718844", "kind": "旧長期", "premium": old, "deductible": old},
    ]
    return body, summary


# ---- ふるさと納税
_MUNICIPALITIES = {
    "kakuu-cho": ("北海道架空町", "北海道見本郡架空町本町１丁目１番地"),
    "kakuu-shi": ("宮崎県架空市", "宮崎県架空市中央通２丁目３番地"),
    "mihon-mura": ("山形県見本村", "山形県見本郡見本村大字見本１２３番地"),
}
#: direct donations (receipt from the municipality, TEG822): year → municipality → [(date, yen)]
_DIRECT = {
    2024: {
        "kakuu-cho": [(date(2024, 9, 10), 10000)],
        "kakuu-shi": [(date(2024, 12, 15), 25000)],
        "mihon-mura": [(date(2024, 12, 28), 20000)],
    },
    2025: {
        "kakuu-cho": [(date(2025, 6, 14), 10000), (date(2025, 12, 20), 15000)],
        "kakuu-shi": [(date(2025, 11, 3), 30000)],
        "mihon-mura": [(date(2025, 8, 8), 12000)],
    },
}
#: donations through the portal (annual certificate TEG830): (date, municipality, yen, cancelled)
_PORTAL = {
    2024: [
        (date(2024, 3, 2), "静岡県見本市", 10000, False),
        (date(2024, 7, 21), "鹿児島県架空町", 15000, False),
        (date(2024, 11, 30), "長野県見本町", 20000, False),
    ],
    2025: [
        (date(2025, 2, 11), "静岡県見本市", 10000, False),
        (date(2025, 5, 5), "高知県架空村", 8000, True),
        (date(2025, 10, 19), "鹿児島県架空町", 15000, False),
        (date(2025, 12, 29), "長野県見本町", 25000, False),
    ],
}
PORTAL_NAME = "見本ふるさとポータル株式会社"


def _teg822(year: int, key: str, rng: random.Random) -> tuple[list[Node], Any]:
    name, addr = _MUNICIPALITIES[key]
    lines: list[Node] = []
    summary = []
    for d, amount in _DIRECT[year][key]:
        receipt = f"{d.year}-{rng.randint(10000, 99999)}"
        lines.append(
            (
                "WLB00000",
                [
                    ("WLB00010", receipt),
                    ("WLB00020", _kubun(2)),
                    ("WLB00030", "所得税法第78条第2項第2号"),
                    ("WLB00050", str(amount)),
                    ("WLB00060", _ymd(d)),
                    ("WLB00070", name),
                    ("WLB00080", addr),
                    ("WLB00100", "ふるさと納税（寄附金）として"),
                ],
            )
        )
        summary.append(
            {"receipt": receipt, "date": d, "recipient": name, "amount": amount, "kind": 2}
        )
    return [("WLA00000", person("taro").name), *lines], summary


def _teg830(year: int, made: date, rng: random.Random) -> tuple[list[Node], Any]:
    rows: list[Node] = []
    summary = []
    total = 0
    for d, muni, amount, cancelled in _PORTAL[year]:
        number = f"FP{d:%Y%m%d}{rng.randint(100000, 999999)}"
        row: list[Node] = [
            ("WML00020", number),
            ("WML00030", _ymd(d)),
            ("WML00040", [("WML00050", muni)]),
            ("WML00070", str(amount)),
        ]
        if cancelled:
            row += [("WML00080", "寄附取消し"), ("WML00090", _kubun(1))]
        else:
            total += amount
        rows.append(("WML00010", row))
        summary.append(
            {
                "number": number,
                "date": d,
                "recipient": muni,
                "amount": amount,
                "cancelled": cancelled,
            }
        )
    p = person("taro")
    body: list[Node] = [
        (
            "TEG830-1",
            [
                ("WMA00000", _era_y(year)),
                ("WMB00000", _kubun(2)),
                ("WMC00000", p.name),
                ("WMD00000", "MH0012345"),
                ("WME00000", p.address),
                ("WMF00000", str(total)),
                ("WMG00000", "所得税法第78条第2項第2号"),
                ("WMI00000", _era_ymd(made)),
                ("WMJ00000", PORTAL_NAME),
                ("WML00000", rows),
            ],
        )
    ]
    return body, summary


# ---- 国民年金保険料 (TEG840): hanako's 2年前納 from April 2023 and April 2025
HANAKO_PENSION_NO = "9990123456"
TARO_PENSION_NO = "9990654321"
#: payment date → (total paid, first month) of each 2年前納 (24 months from April)
_PREPAID = {2023: (date(2023, 4, 28), 386330), 2025: (date(2025, 4, 30), 403080)}


def _split24(total: int) -> tuple[int, int, int]:
    """A 24-month prepayment from April split by calendar year: 9, 12 and 3 months."""
    first = total * 9 // 24
    second = total * 12 // 24
    return first, second, total - first - second


def _teg840(year: int, made: date) -> tuple[list[Node], Any]:
    paid_on, total = _PREPAID[year]
    parts = _split24(total)
    p = person("hanako")
    split: list[Node] = []
    codes = (("WON00010", 20), ("WON00070", 80), ("WON00130", 140))
    for i, (group, start) in enumerate(codes):
        c = [f"WON{start + k * 10:05d}" for k in range(5)]
        split.append(
            (
                group,
                [
                    (c[0], str(parts[i])),
                    (c[1], "0"),
                    (c[2], str(parts[i])),
                    (c[3], _era_y(year + i)),
                    (c[4], str(parts[i])),
                ],
            )
        )
    months: list[Node] = []
    for i, rng_months in enumerate((range(4, 13), range(1, 13), range(1, 4))):
        flags = [(f"WOO{30 + (m - 1) * 10:05d}", _kubun(1)) for m in rng_months]
        months.append(("WOO00000", [("WOO00010", _era_y(year + i)), ("WOO00020", flags)]))
    body: list[Node] = [
        ("WOA00000", _kubun(1)),
        ("WOB00000", _kubun(2)),
        ("WOC00000", _era_y(year)),
        ("WOD00000", HANAKO_PENSION_NO),
        ("WOE00000", p.name),
        ("WOF00000", p.address),
        ("WOG00000", _era_y(year)),
        ("WOH00000", [("gen:mm", "1"), ("gen:dd", "1")]),
        ("WOI00000", [("gen:mm", str(made.month)), ("gen:dd", str(made.day))]),
        ("WOJ00000", _kubun(1)),
        ("WOK00000", str(total)),
        ("WOL00000", "0"),
        ("WOM00000", str(total)),
        ("WON00000", split),
        *months,
        ("WOQ00000", _era_ymd(made)),
        ("WOR00000", "歳入徴収官　厚生労働省年金局事業管理課長"),
        ("WOS00000", "差出人　日本年金機構"),
        ("WOT00000", f"NA{year}{HANAKO_PENSION_NO}"),
    ]
    summary = {
        "paid_on": paid_on,
        "total": total,
        "months": 24,
        "first_month": (year, 4),
        "by_year": {year + i: parts[i] for i in range(3)},
    }
    return body, summary


# ---- iDeCo (TEG850)
IDECO_MONTHLY = 23000


def _teg850(year: int, made: date) -> tuple[list[Node], Any]:
    p = person("taro")
    paid, planned = IDECO_MONTHLY * 9, IDECO_MONTHLY * 3
    monthly: list[Node] = []
    for m in range(1, 13):
        group = f"WPL{10 + (m - 1) * 30:05d}"
        entries: list[Node] = [(f"WPL{20 + (m - 1) * 30:05d}", str(IDECO_MONTHLY))]
        if m > 9:
            entries.append((f"WPL{30 + (m - 1) * 30:05d}", "予定"))
        monthly.append((group, entries))
    body: list[Node] = [
        ("WPA00000", _era_y(year)),
        ("WPB00000", _kubun(2)),
        ("WPC00000", p.name),
        ("WPD00000", p.address),
        ("WPE00000", TARO_PENSION_NO),
        ("WPF00000", _era_y(year)),
        ("WPG00000", [("WPG00010", "9"), ("WPG00020", str(paid))]),
        ("WPH00000", [("WPH00010", "10"), ("WPH00020", "12"), ("WPH00030", str(planned))]),
        ("WPI00000", str(paid + planned)),
        ("WPL00000", monthly),
        ("WPN00000", _era_ymd(made)),
        ("WPO00000", "国民年金基金連合会"),
        ("WPP00000", f"ID{year}{TARO_PENSION_NO}"),
    ]
    return body, {
        "paid": paid,
        "planned": planned,
        "total": paid + planned,
        "monthly": IDECO_MONTHLY,
    }


# --------------------------------------------------------------------------- certificates
def _cert_specs(seed: int) -> list[dict[str, Any]]:
    """Every 控除証明書 as (metadata, body nodes); see :func:`household_certificates`."""
    rng = random.Random(f"{seed}:certificates")
    specs: list[dict[str, Any]] = []

    def add(
        form: str,
        year: int,
        pid: str,
        issuer: str,
        soft: str,
        made: date,
        name: str,
        body: list[Node],
        summary: Any,
        signature_id: str | None = None,
        algorithm: str = "rsa-sha256",
    ) -> None:
        root_id = _root_id(form, made, rng)
        specs.append(
            {
                "form": form,
                "year": year,
                "person_id": pid,
                "person": person(pid).name,
                "issuer": issuer,
                "software": soft,
                "made": made,
                "file": f"kojo/{year}/{name}",
                "root_id": root_id,
                "body": body,
                "summary": summary,
                # XMLDSIG050.xsd requires Signature/@Id; real issuers use ids like "_0150…"
                "signature_id": signature_id or f"_{root_id[6:]}S",
                "algorithm": algorithm,
            }
        )

    for year in CERT_YEARS:
        made = date(year, 10, 7 + rng.randint(0, 10))
        for holder, issuer, slug in (
            ("taro", "見本生命保険株式会社", "mihon-seimei"),
            ("hanako", "架空生命保険相互会社", "kakuu-seimei"),
        ):
            body, summary = _teg800(holder, issuer, year, made)
            add(
                "TEG800",
                year,
                holder,
                issuer,
                "見本生命 控除証明書発行システム",
                made,
                f"TEG800_{slug}_{holder}.xml",
                body,
                summary,
            )
        made = date(year, 10, 20 + rng.randint(0, 8))
        body, summary = _teg810(year, made)
        add(
            "TEG810",
            year,
            "taro",
            "見本損害保険株式会社",
            "見本損保 証明書システム",
            made,
            "TEG810_mihon-sonpo_taro.xml",
            body,
            summary,
            algorithm="rsa-sha1",  # an older issuer system: RSA-SHA1, as some real files
        )
        for key in _DIRECT[year]:
            name, _ = _MUNICIPALITIES[key]
            last = max(d for d, _ in _DIRECT[year][key])
            made = last + timedelta(days=rng.randint(3, 12))
            body, summary = _teg822(year, key, rng)
            add(
                "TEG822",
                year,
                "taro",
                name,
                "寄附金受領証明書作成システム",
                made,
                f"TEG822_{key}_taro.xml",
                body,
                summary,
            )
        made = date(year + 1, 1, 10 + rng.randint(0, 10))
        body, summary = _teg830(year, made, rng)
        add(
            "TEG830",
            year,
            "taro",
            PORTAL_NAME,
            "見本ふるさとポータル",
            made,
            "TEG830_furusato-portal_taro.xml",
            body,
            summary,
        )
        made = date(year, 10, 28 + rng.randint(0, 3))
        body, summary = _teg850(year, made)
        add(
            "TEG850",
            year,
            "taro",
            "国民年金基金連合会",
            "iDeCo証明書発行",
            made,
            "TEG850_ideco_taro.xml",
            body,
            summary,
            signature_id=f"_ID{year}{TARO_PENSION_NO}",
        )
    for year in sorted(_PREPAID):
        made = date(year, 11, 2)
        body, summary = _teg840(year, made)
        add(
            "TEG840",
            year,
            "hanako",
            "日本年金機構",
            "ねんきんネット",
            made,
            "TEG840_nenkin-net_hanako.xml",
            body,
            summary,
            # a Signature/@Id that starts with a digit: not an xs:ID, as in real files
            signature_id=f"{HANAKO_PENSION_NO}{year}1102A",
        )
    return specs


def household_certificates(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The 控除証明書 of the household (the XML files in ``sample_data/kojo/``)::

        {"form": "TEG800", "year": 2025, "person_id": "taro", "person": "見本　太郎",
         "issuer": "見本生命保険株式会社", "made": datetime.date(2025, 10, 9),
         "file": "kojo/2025/TEG800_mihon-seimei_taro.xml", "root_id": "TEG80020251009...",
         "summary": ...}

    ``summary`` per form: TEG800 a list of contracts ``{"policy", "kind", "regime": "新"|"旧",
    "category": "一般"|"介護医療"|"年金", "contract_date", "paid", "dividend", "certified",
    "projected", "period": (1, 9)}`` (certified = Jan–Sep net, projected = the 12月期想定 net);
    TEG810 ``[{"policy", "kind": "地震"|"旧長期", "premium", "deductible"}]``; TEG822
    ``[{"receipt", "date", "recipient", "amount", "kind": 2}]``; TEG830 ``[{"number", "date",
    "recipient", "amount", "cancelled"}]`` (the annual total excludes cancelled lines); TEG840
    ``{"paid_on", "total", "months", "first_month", "by_year": {year: yen}}``; TEG850
    ``{"paid", "planned", "total", "monthly"}``.
    """
    out = []
    for spec in _cert_specs(seed):
        out.append(
            {
                k: v
                for k, v in spec.items()
                if k not in ("body", "software", "signature_id", "algorithm")
            }
        )
    return out


def load_sample_signer() -> tuple[Any, Any]:
    """(private key, certificate) of the SAMPLE issuer (TEST ONLY: never trust it for real)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(SAMPLE_ISSUER_KEY.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(SAMPLE_ISSUER_CERT.read_bytes())
    return key, cert


def sample_root_certificate() -> Any:
    """The SAMPLE root certificate the sample issuer chains to (pass it as a trusted root)."""
    from cryptography import x509

    return x509.load_pem_x509_certificate(SAMPLE_ROOT_CERT.read_bytes())


def certificate_files(seed: int, *, sign: bool = True) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every 控除証明書, signed by the SAMPLE issuer unless ``sign``
    is false."""
    files = []
    signer = load_sample_signer() if sign else None
    for spec in _cert_specs(seed):
        xml = _form_xml(
            spec["form"],
            spec["root_id"],
            spec["made"],
            spec["issuer"],
            spec["software"],
            spec["body"],
        )
        if signer is not None:
            from ..sources.dsig import sign_enveloped

            xml = sign_enveloped(
                xml,
                signer[0],
                signer[1],
                signature_id=spec["signature_id"],
                algorithm=spec["algorithm"],
            )
        files.append((spec["file"], xml))
    return files
