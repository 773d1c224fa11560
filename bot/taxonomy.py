"""Shared vocabularies: service areas, audiences and places.

One list, used by the NLU synonyms, the knowledge base, the needs form and the insights
aggregates, so that "長照", "long-term care" and the KB domain ``elderly_care`` all count as
the same thing. Ids are stable ASCII; labels are what people see, in zh-TW and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping


@dataclass(frozen=True)
class Label:
    """A term people see, in both languages."""

    zh: str
    en: str

    def for_language(self, language: str) -> str:
        return self.en if language == "en" else self.zh


SERVICE_AREAS: Mapping[str, Label] = {
    "social_assistance": Label("社會救助", "Social assistance"),
    "elderly_care": Label("長者與長期照顧", "Elderly and long-term care"),
    "childcare": Label("育兒與托育", "Childcare and parenting"),
    "disability": Label("身心障礙福利", "Disability services"),
    "health": Label("醫療衛生", "Health"),
    "household_registration": Label("戶政", "Household registration"),
    "tax": Label("稅務", "Tax"),
    "transport": Label("交通與停車", "Transport and parking"),
    "waste_recycling": Label("垃圾與資源回收", "Garbage and recycling"),
    "housing": Label("住宅", "Housing"),
    "employment": Label("勞動與就業", "Labour and employment"),
    "education": Label("教育", "Education"),
    "culture_sports": Label("文化與運動", "Culture and sports"),
    "public_safety": Label("公共安全", "Public safety"),
    "new_immigrants": Label("新住民", "New immigrants"),
}

AUDIENCES: Mapping[str, Label] = {
    "general": Label("一般民眾", "Everyone"),
    "elderly": Label("長者", "Older people"),
    "disability": Label("身心障礙者", "People with disabilities"),
    "new_immigrant": Label("新住民", "New immigrants"),
    "parenting_family": Label("育兒家庭", "Families with young children"),
    "low_income": Label("低收入戶與中低收入戶", "Low-income households"),
    "youth": Label("青年", "Young people"),
    "children": Label("兒童及少年", "Children and teenagers"),
    "indigenous": Label("原住民", "Indigenous peoples"),
    "women": Label("婦女", "Women"),
    "job_seeker": Label("求職者", "Job seekers"),
    "student": Label("學生", "Students"),
    "caregiver": Label("家庭照顧者", "Family caregivers"),
}

CITIES: Mapping[str, Label] = {
    "nationwide": Label("全國", "Nationwide"),
    "taipei": Label("臺北市", "Taipei City"),
    "new_taipei": Label("新北市", "New Taipei City"),
    "keelung": Label("基隆市", "Keelung City"),
    "taoyuan": Label("桃園市", "Taoyuan City"),
    "hsinchu": Label("新竹市", "Hsinchu City"),
    "taichung": Label("臺中市", "Taichung City"),
    "tainan": Label("臺南市", "Tainan City"),
    "kaohsiung": Label("高雄市", "Kaohsiung City"),
}

TAIPEI_DISTRICTS: Mapping[str, Label] = {
    "zhongzheng": Label("中正區", "Zhongzheng District"),
    "datong": Label("大同區", "Datong District"),
    "zhongshan": Label("中山區", "Zhongshan District"),
    "songshan": Label("松山區", "Songshan District"),
    "daan": Label("大安區", "Da'an District"),
    "wanhua": Label("萬華區", "Wanhua District"),
    "xinyi": Label("信義區", "Xinyi District"),
    "shilin": Label("士林區", "Shilin District"),
    "beitou": Label("北投區", "Beitou District"),
    "neihu": Label("內湖區", "Neihu District"),
    "nangang": Label("南港區", "Nangang District"),
    "wenshan": Label("文山區", "Wenshan District"),
}

LANGUAGES: Mapping[str, Label] = {
    "zh-TW": Label("中文", "Chinese"),
    "en": Label("英文", "English"),
}


def label(vocabulary: Mapping[str, Label], key: str, language: str) -> str:
    """The label of ``key`` in ``language``; the key itself when it is not in the list."""
    entry = vocabulary.get(key)
    return entry.for_language(language) if entry else key


def all_ids() -> Dict[str, frozenset]:
    """Every vocabulary's ids, for validating data files against one source."""
    return {
        "service_area": frozenset(SERVICE_AREAS),
        "audience": frozenset(AUDIENCES),
        "city": frozenset(CITIES),
        "district": frozenset(TAIPEI_DISTRICTS),
    }
