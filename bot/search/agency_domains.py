"""Which service area (bot.taxonomy.SERVICE_AREAS) an imported Taipei agency FAQ belongs to.

Order: a section name that says more than its bureau (社會局老人福利科 is elderly care, not
social assistance in general), then the bureau code (second ``authority`` level), then words
in the department name, then the fallback. Bureaus with no matching area (主計處, 資訊局, …)
land in the fallback, which the importer lets people choose.
"""

from __future__ import annotations

from typing import Mapping, Sequence, Tuple

FALLBACK_DOMAIN = "public_safety"

# Words in a department (section) name that decide the area before the bureau does.
SECTION_WORDS: Sequence[Tuple[str, str]] = (
    ("老人", "elderly_care"),
    ("長期照顧", "elderly_care"),
    ("身心障礙", "disability"),
    ("兒童", "childcare"),
    ("托育", "childcare"),
    ("婦女", "childcare"),
    ("新住民", "new_immigrants"),
    ("社會救助", "social_assistance"),
    ("戶籍", "household_registration"),
    ("戶政", "household_registration"),
    ("稅", "tax"),
)

# Second authority level (bureau code) -> area; names for the reader.
BUREAU_DOMAINS: Mapping[str, str] = {
    "379120000J": "social_assistance",  # 社會局
    "379660000E": "culture_sports",  # 觀光傳播局
    "379040500E": "culture_sports",  # 體育局
    "379670000G": "employment",  # 產業發展局 (business and industry services)
    "379560000G": "housing",  # 都市發展局 (urban renewal)
    "379520000J": "employment",  # 勞動局
    "379530000H": "transport",  # 交通局
    "379140000I": "health",  # 衛生局
    "379020000A": "household_registration",  # 民政局
    "379110000G": "public_safety",  # 工務局 (roads, slopes, parks, street lights)
    "379590000E": "culture_sports",  # 文化局
    "379030000D": "tax",  # 財政局 / 稅捐稽徵處
    "379150000I": "waste_recycling",  # 環境保護局
    "379270000K": "housing",  # 臺北自來水事業處 (household water supply)
    "379040000E": "education",  # 教育局
    "379510000H": "transport",  # 捷運工程局
    "379130000C": "public_safety",  # 警察局
    "379190000A": "household_registration",  # 兵役局 (service registration)
    "379460000A": "household_registration",  # 區公所
    "379620000M": "transport",  # 臺北大眾捷運股份有限公司
    "379210000A": "employment",  # 人事處
    "379680000A": "employment",  # 公務人員訓練處
    "379570000A": "public_safety",  # 消防局
    "379640000A": "culture_sports",  # 客家事務委員會
    "379580000A": "social_assistance",  # 原住民族事務委員會
    "379700000A": "housing",  # 地政局
}

# Words in a department name when the bureau code is missing or unknown.
NAME_WORDS: Sequence[Tuple[str, str]] = (
    ("社會局", "social_assistance"),
    ("警察", "public_safety"),
    ("消防", "public_safety"),
    ("交通", "transport"),
    ("捷運", "transport"),
    ("停車", "transport"),
    ("衛生", "health"),
    ("醫院", "health"),
    ("環境保護", "waste_recycling"),
    ("環保", "waste_recycling"),
    ("教育", "education"),
    ("勞動", "employment"),
    ("勞工", "employment"),
    ("就業", "employment"),
    ("民政", "household_registration"),
    ("區公所", "household_registration"),
    ("都市", "housing"),
    ("住宅", "housing"),
    ("地政", "housing"),
    ("文化", "culture_sports"),
    ("體育", "culture_sports"),
    ("觀光", "culture_sports"),
)


def domain_for(bureau: str, department: str, fallback: str = FALLBACK_DOMAIN) -> str:
    """The service area for a bureau code and department name (see the module docstring)."""
    for word, domain in SECTION_WORDS:
        if word in department:
            return domain
    if bureau in BUREAU_DOMAINS:
        return BUREAU_DOMAINS[bureau]
    for word, domain in NAME_WORDS:
        if word in department:
            return domain
    return fallback
