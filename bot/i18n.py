"""Everything custom actions say, in zh-TW and English.

Replies that rules utter directly live in domain.yml; replies that actions compose (with
values, buttons, or language chosen in the same turn) live here, because Rasa renders a
domain response with the slots as they were *before* the action's own events. A test
checks every key exists in both languages with the same placeholders.
"""

from __future__ import annotations

from typing import Any, Dict

from bot.language import EN, ZH_TW

STRINGS: Dict[str, Dict[str, str]] = {
    "ask_consent": {
        ZH_TW: "在開始前說明一下：如果您同意，我會把您描述的需求和偏好（不含姓名、電話、身分證字號等個資）以匿名方式記錄，讓市府了解大家的需要、改善服務。您隨時可以撤回同意或刪除資料。您同意嗎？",
        EN: "Before we start: if you agree, I'll record the needs and preferences you describe, pseudonymously and without names, phone numbers or ID numbers, so the city can understand what people need and improve its services. You can withdraw or delete your data at any time. Do you agree?",
    },
    "consent_given": {
        ZH_TW: "謝謝您！您的需求會以匿名方式幫助市府改善服務。想撤回時，說「撤回同意」就可以。",
        EN: "Thank you! Your needs will help the city improve its services, without identifying you. Say \"withdraw consent\" at any time.",
    },
    "consent_declined": {
        ZH_TW: "好的，我不會記錄您的需求或偏好，您一樣可以使用所有功能。",
        EN: "Understood: I won't record your needs or preferences, and you can still use everything.",
    },
    "consent_withdrawn": {
        ZH_TW: "已撤回您的同意，從現在起不再記錄。若也要刪除已保存的資料，請說「刪除我的資料」。",
        EN: "Your consent is withdrawn and nothing more will be recorded. To also delete what was kept, say \"delete my data\".",
    },
    "consent_nothing_to_withdraw": {
        ZH_TW: "您目前沒有同意記錄，所以我們沒有為改善服務保存您的需求。",
        EN: "You haven't given consent, so nothing about your needs is kept for improving services.",
    },
    "ask_delete_confirm": {
        ZH_TW: "確定要刪除我們為您保存的所有資料（需求、偏好、回饋與對話紀錄）嗎？刪除後無法復原。",
        EN: "Delete everything we keep for you (needs, preferences, feedback and conversation history)? This can't be undone.",
    },
    "data_deleted": {
        ZH_TW: "已刪除您的資料，共 {count} 筆紀錄。接下來的對話會重新開始。",
        EN: "Your data has been deleted ({count} records). The conversation starts afresh from here.",
    },
    "delete_cancelled": {
        ZH_TW: "好的，資料保留不動。",
        EN: "OK, nothing was deleted.",
    },
    "show_my_data": {
        ZH_TW: "我們為您保存的資料：\n• 語言：{language_label}\n• 同意記錄需求：{consent_label}\n• 已記錄的需求、回饋與偏好：{record_count} 筆\n您的身分以代號表示，我們不保存您的 LINE/Telegram 帳號。說「刪除我的資料」即可全部刪除。",
        EN: "What we keep for you:\n• Language: {language_label}\n• Consent to record needs: {consent_label}\n• Needs, feedback and preferences recorded: {record_count}\nYou are known by a pseudonym; your LINE/Telegram account id is not stored. Say \"delete my data\" to erase it all.",
    },
    "ok": {
        ZH_TW: "好的！有什麼我可以幫忙的嗎？",
        EN: "OK! What can I help you with?",
    },
    "language_switched": {
        ZH_TW: "好的，接下來我會用中文回覆。",
        EN: "Sure, I'll reply in English from now on.",
    },
    "ask_rephrase": {
        ZH_TW: "抱歉，我不太確定您的意思。可以換個說法，或告訴我您想辦理什麼服務嗎？",
        EN: "Sorry, I'm not sure what you mean. Could you say it another way, or tell me which service you're looking for?",
    },
    "empty_message": {
        ZH_TW: "我沒有收到文字內容。請直接輸入您的問題，例如「垃圾車幾點來」。",
        EN: "I didn't get any text. Please type your question, for example \"when does the garbage truck come\".",
    },
    "unsupported_language": {
        ZH_TW: "抱歉，我目前只能用中文或英文服務。Sorry, I can only help in Chinese or English for now. 外語諮詢請撥 1990 外籍人士在臺生活諮詢熱線 (Foreigners' hotline 1990).",
        EN: "抱歉，我目前只能用中文或英文服務。Sorry, I can only help in Chinese or English for now. 外語諮詢請撥 1990 外籍人士在臺生活諮詢熱線 (Foreigners' hotline 1990).",
    },
    "message_too_long": {
        ZH_TW: "您的訊息很長，我怕漏掉重點。可以用幾句話說明您最需要的協助嗎？",
        EN: "Your message is very long and I may miss the point. Could you tell me in a few sentences what you need most?",
    },
    "feedback_thanks": {
        ZH_TW: "謝謝您的意見！我們會轉給負責的機關參考。",
        EN: "Thank you for your feedback! It will be passed to the agency responsible.",
    },
    "feedback_not_recorded": {
        ZH_TW: "謝謝您的意見！因為您尚未同意記錄，這則意見不會被保存。若願意讓市府參考，請說「我同意記錄」後再說一次。",
        EN: "Thank you! Because you haven't agreed to recording, this feedback won't be kept. If you'd like the city to see it, say \"I agree\" and tell me again.",
    },
    "data_unavailable": {
        ZH_TW: "抱歉，資料庫暫時無法連線，請稍後再試一次。您的要求沒有遺失。",
        EN: "Sorry, the database can't be reached right now. Please try again in a little while; nothing was lost.",
    },
    "delete_queued": {
        ZH_TW: "資料庫暫時無法連線，您的刪除要求已登記，恢復連線後會立即完成；在那之前不會再記錄您的任何資料。",
        EN: "The database can't be reached right now. Your deletion request is queued and will complete as soon as it is back; nothing more about you is recorded meanwhile.",
    },
    "button_agree": {ZH_TW: "同意", EN: "I agree"},
    "button_disagree": {ZH_TW: "不同意", EN: "No, thanks"},
    "button_delete": {ZH_TW: "確定刪除", EN: "Yes, delete"},
    "button_keep": {ZH_TW: "先不要", EN: "Not now"},
    "button_help": {ZH_TW: "我可以問什麼？", EN: "What can I ask?"},
    "results_intro": {
        ZH_TW: "我找到這些可能符合的服務：",
        EN: "Here are services that may fit:",
    },
    "results_intro_filtered": {
        ZH_TW: "關於「{area}」，我找到這些服務：",
        EN: "For {area}, here is what I found:",
    },
    "no_good_answer": {
        ZH_TW: "抱歉，我沒有找到符合「{query}」的服務資訊。可以多描述一點您的情況，或撥打 1999 由專人協助。",
        EN: "Sorry, I couldn't find service information matching \"{query}\". Tell me a bit more about your situation, or call 1999 to talk to a person.",
    },
    "clarify": {
        ZH_TW: "想確認一下，您問的是哪一類服務？",
        EN: "Just to check, which kind of service do you mean?",
    },
    "how_to_apply": {ZH_TW: "申請方式", EN: "How to apply"},
    "agency": {ZH_TW: "承辦機關", EN: "Agency"},
    "more_info": {ZH_TW: "查看官方網站", EN: "Official website"},
    "contact": {ZH_TW: "洽詢電話", EN: "Phone"},
    "talk_to_person": {ZH_TW: "轉真人", EN: "Talk to a person"},
    "yes": {ZH_TW: "是", EN: "Yes"},
    "no": {ZH_TW: "否", EN: "No"},
    "consent_granted": {ZH_TW: "已同意", EN: "given"},
    "consent_declined": {ZH_TW: "未同意", EN: "not given"},
    "consent_withdrawn": {ZH_TW: "已撤回", EN: "withdrawn"},
    "consent_unknown": {ZH_TW: "尚未表示", EN: "not decided yet"},
}


def t(key: str, language: str, **values: Any) -> str:
    """The string ``key`` in ``language`` (Chinese when the language is unknown)."""
    variants = STRINGS[key]
    return variants.get(language, variants[ZH_TW]).format(**values)
