from bot.needs.draft import NeedDraft, area_label, split_area


def full_draft() -> NeedDraft:
    return NeedDraft("我媽媽最近跌倒，走路不方便", "elderly_care", "family", "elderly", "taipei/daan", "urgent", "chat")


def test_the_chinese_summary_reads_back_every_answer() -> None:
    assert full_draft().summary("zh-TW") == (
        "我整理一下您的需求：您的家人（長者）需要「長者與長期照顧」方面的協助，地點在臺北市大安區，"
        "情況很急，希望我們在這裡回覆您。您提到：「我媽媽最近跌倒，走路不方便」。這樣對嗎？"
    )


def test_the_english_summary_reads_back_every_answer() -> None:
    assert full_draft().summary("en") == (
        "Let me sum up your need: A family member (older people) needs help with elderly and long-term "
        "care, in Da'an District, Taipei City, it is urgent, and you'd like us to reply here in the chat. "
        'You said: "我媽媽最近跌倒，走路不方便". Is that right?'
    )


def test_only_known_parts_are_mentioned() -> None:
    assert NeedDraft("想找工作").summary("zh-TW") == "我整理一下您的需求：您需要協助。您提到：「想找工作」。這樣對嗎？"
    assert "unspecified" not in NeedDraft("x", area="unspecified").summary("en")


def test_long_words_are_shortened_in_the_summary() -> None:
    summary = NeedDraft("長" * 300, "housing").summary("zh-TW")
    assert "…" in summary and len(summary) < 160


def test_areas_split_and_label() -> None:
    assert split_area("taipei/daan") == ("taipei", "daan")
    assert split_area("new_taipei") == ("new_taipei", None)
    assert split_area("unspecified") == (None, None)
    assert area_label("taipei/beitou", "zh-TW") == "臺北市北投區"
    assert area_label("taipei", "en") == "Taipei City"
    assert area_label(None, "en") is None


def test_slots_become_a_draft() -> None:
    draft = NeedDraft.from_slots(
        {"need_text": "t", "need_category": "tax", "need_area": "taipei", "beneficiary": "self"}
    )
    assert (draft.text, draft.category, draft.area, draft.beneficiary) == ("t", "tax", "taipei", "self")


def test_an_unknown_target_group_is_left_out_of_the_draft() -> None:
    assert NeedDraft.from_slots({"need_text": "t", "target_group": "elderly"}).target_group == "elderly"
    draft = NeedDraft.from_slots({"need_text": "t", "target_group": "elderly mother"})
    assert draft.target_group is None and "elderly mother" not in draft.summary("en")


def test_an_open_draft_travels_and_comes_back_checked() -> None:
    from bot.needs.draft import draft_slots, form_complete, open_draft

    slots = {"need_text": "我爸爸需要長照", "need_category": "elderly_care", "need_category_confirmed": True,
             "beneficiary": "family", "need_area": "taipei/daan", "need_urgency": None, "need_id": None,
             "language": "zh-TW"}
    draft = open_draft(slots)
    assert draft == {"need_text": "我爸爸需要長照", "need_category": "elderly_care", "need_category_confirmed": True,
                     "beneficiary": "family", "need_area": "taipei/daan"}
    assert open_draft({**slots, "need_id": "12"}) is None, "a confirmed need is not open"
    assert open_draft({"need_text": None}) is None
    assert draft_slots(draft) == draft and not form_complete(draft)
    assert form_complete({**draft, "need_urgency": "urgent", "need_contact": "chat"})
    tampered = {**draft, "need_category": "weather", "need_area": "mars/x", "beneficiary": "cat",
                "need_contact": "chat", "requested_slot": "x"}
    assert draft_slots(tampered) == {"need_text": "我爸爸需要長照", "need_contact": "chat"}
    assert draft_slots({"need_category": "elderly_care"}) == {}, "nothing without the person's words"
