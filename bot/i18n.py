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
        ZH_TW: "我們為您保存的資料：\n• 語言：{language_label}\n• 同意記錄需求（用來改善服務）：{consent_insights}\n• 同意個人化（記住您的偏好）：{consent_personalisation}\n• 同意後續通知（有新服務時告訴您）：{consent_followup}\n• 已記錄的需求、回饋與偏好：{record_count} 筆\n您的身分以代號表示，我們不保存您的 LINE/Telegram 帳號。說「刪除我的資料」即可全部刪除。",
        EN: "What we keep for you:\n• Language: {language_label}\n• Consent to record needs (to improve services): {consent_insights}\n• Consent to personalisation (remembering your preferences): {consent_personalisation}\n• Consent to follow-up messages (news about your need): {consent_followup}\n• Needs, feedback and preferences recorded: {record_count}\nYou are known by a pseudonym; your LINE/Telegram account id is not stored. Say \"delete my data\" to erase it all.",
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
    "form_answer_unclear": {
        ZH_TW: "抱歉，這個回答我沒有看懂，我再問一次。",
        EN: "Sorry, I didn't catch that answer, so let me ask again.",
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
    "consent_label_granted": {ZH_TW: "已同意", EN: "given"},
    "consent_label_declined": {ZH_TW: "未同意", EN: "not given"},
    "consent_label_withdrawn": {ZH_TW: "已撤回", EN: "withdrawn"},
    "consent_label_unknown": {ZH_TW: "尚未表示", EN: "not decided yet"},
    # needs form
    "ask_need_category": {
        ZH_TW: "聽起來是「{category}」方面的需求，對嗎？不是的話，請選比較接近的：",
        EN: "It sounds like a need about {category}. Is that right? If not, pick a closer one:",
    },
    "ask_need_category_choice": {
        ZH_TW: "請問比較接近哪一類？也可以直接用一句話告訴我。",
        EN: "Which of these is closest? You can also tell me in your own words.",
    },
    "ask_beneficiary": {
        ZH_TW: "這是您自己要用的，還是幫家人問的？",
        EN: "Is this for yourself or for a family member?",
    },
    "ask_need_area": {
        ZH_TW: "請問住在哪一區呢？（例如：大安區、北投區；不在臺北市也可以告訴我）",
        EN: "Which district do you live in? (e.g. Da'an, Beitou; tell me too if it's outside Taipei)",
    },
    "ask_need_urgency": {
        ZH_TW: "這件事有多急呢？",
        EN: "How urgent is this?",
    },
    "ask_need_contact": {
        ZH_TW: "如果市府有後續消息，您希望怎麼收到？",
        EN: "If the city has news for you, how would you like to hear about it?",
    },
    "need_summary": {ZH_TW: "{summary}", EN: "{summary}"},
    "need_stopped": {
        ZH_TW: "好的，先停在這裡，我不會記錄這次的內容。需要時再跟我說。",
        EN: "OK, let's stop here; I won't record any of this. Tell me again whenever you like.",
    },
    "need_correction_prompt": {
        ZH_TW: "請告訴我哪裡要修改，例如「是我媽媽要用的」或「我住文山區」。",
        EN: "Tell me what to change, for example \"it's for my mother\" or \"I live in Wenshan\".",
    },
    "need_matches": {
        ZH_TW: "根據您的需求，這些服務可能適合：",
        EN: "Based on your need, these services may help:",
    },
    "need_no_match": {
        ZH_TW: "我記下了您的需求，但目前沒有找到合適的服務資訊。這正是市府需要知道的缺口；需要的話我可以幫您轉給專人。",
        EN: "I've noted your need, but I couldn't find a matching service. That's exactly the kind of gap the city needs to know about; I can pass you to a person if you like.",
    },
    "ask_fit": {
        ZH_TW: "這些服務符合您的需要嗎？",
        EN: "Do these services fit what you need?",
    },
    "fit_thanks": {
        ZH_TW: "太好了，謝謝您告訴我！",
        EN: "Great, thanks for letting me know!",
    },
    "ask_fit_reason": {
        ZH_TW: "謝謝回饋。方便說說哪裡不符合嗎？（可略過）",
        EN: "Thanks. Could you say what doesn't fit? (optional)",
    },
    "fit_noted": {
        ZH_TW: "了解，已經記下，這能幫市府改善服務。需要的話可以轉給專人協助。",
        EN: "Understood, noted; it helps the city improve. I can pass you to a person if you'd like.",
    },
    # preferences and personalisation
    "preference_unclear": {
        ZH_TW: "想調整什麼呢？例如「回答簡短一點」、「字大一點」或「長照有新消息通知我」。",
        EN: "What would you like to change? For example \"shorter answers\", \"easy reading\" or \"updates about childcare\".",
    },
    "preference_saved": {
        ZH_TW: "好的，已經記住您的設定，下次在 LINE、Telegram 或網頁上都會照這樣回覆。",
        EN: "Done, I'll remember that on LINE, Telegram and the web.",
    },
    "preference_this_conversation": {
        ZH_TW: "好的，這次對話會照這樣回覆。要我下次也記住嗎？（需要您同意個人化設定）",
        EN: "OK, I'll do that in this conversation. Shall I remember it next time too? (needs your consent to personalisation)",
    },
    "show_preferences": {
        ZH_TW: "您的設定：\n• 語言：{language_label}\n• 回答長度：{length}\n• 易讀模式：{easy}\n• 地區：{area}\n• 對象：{group}\n• 關注主題：{topics}\n• 個人化推薦：{personalised}",
        EN: "Your settings:\n• Language: {language_label}\n• Answer length: {length}\n• Easy reading: {easy}\n• Area: {area}\n• For: {group}\n• Topics: {topics}\n• Personalised results: {personalised}",
    },
    "length_brief": {ZH_TW: "簡短", EN: "brief"},
    "length_detailed": {ZH_TW: "詳細", EN: "detailed"},
    "switch_on": {ZH_TW: "開啟", EN: "on"},
    "switch_off": {ZH_TW: "關閉", EN: "off"},
    "none": {ZH_TW: "（無）", EN: "(none)"},
    "personalisation_on": {
        ZH_TW: "已開啟個人化：我會依您提過的地區、對象和主題調整推薦順序，隨時可以說「不要個人化推薦」關閉。",
        EN: "Personalisation is on: I'll order results by the area, group and topics you've mentioned. Say \"turn off personalisation\" any time.",
    },
    "personalisation_off": {
        ZH_TW: "已關閉個人化，並刪除為此保存的偏好；之後的推薦只看您當下說的話。",
        EN: "Personalisation is off and the preferences kept for it are deleted; results now depend only on what you say.",
    },
    "explain_nothing": {
        ZH_TW: "我還沒有推薦任何服務喔。告訴我您想找什麼吧！",
        EN: "I haven't suggested anything yet. Tell me what you're looking for!",
    },
    "explain_plain": {
        ZH_TW: "我推薦「{title}」，是因為它的內容和您問的「{query}」最接近。我沒有使用您的個人資料來排序。",
        EN: "I suggested \"{title}\" because it is closest to what you asked (\"{query}\"). I didn't use anything personal to order the results.",
    },
    "explain_personal": {
        ZH_TW: "我推薦「{title}」，是因為它和您問的「{query}」最接近；另外，{reasons}，所以排在前面。不想要這樣可以說「不要個人化推薦」。",
        EN: "I suggested \"{title}\" because it is closest to what you asked (\"{query}\"); also, {reasons}, so it came first. Say \"turn off personalisation\" if you'd rather not.",
    },
    # hand-off
    "handoff_because_stuck": {
        ZH_TW: "抱歉，我好像一直沒聽懂您的意思，幫您轉給專人比較快。",
        EN: "Sorry, I keep missing what you mean, so a person will be quicker.",
    },
    "handoff_office_hours": {
        ZH_TW: "已經幫您轉給市府專人（案件編號 {reference}），並附上這段對話的摘要。上班時間內通常 {hours} 小時內會跟您聯繫。急事請直接撥 1999（24 小時）。",
        EN: "I've passed this to city staff (reference {reference}) with a summary of our chat. During office hours they usually get back to you within {hours} hours. For anything urgent call 1999 (24 hours).",
    },
    "handoff_after_hours": {
        ZH_TW: "已經幫您轉給市府專人（案件編號 {reference}），並附上對話摘要。現在是下班時間，專人會在 {when} 上班後處理。急事請直接撥 1999（24 小時）。",
        EN: "I've passed this to city staff (reference {reference}) with a summary of our chat. It's outside office hours, so they will pick it up when the office opens ({when}). For anything urgent call 1999 (24 hours).",
    },
    "button_self": {ZH_TW: "我自己", EN: "Myself"},
    "button_family": {ZH_TW: "家人", EN: "A family member"},
    "button_rather_not_say": {ZH_TW: "不方便說", EN: "Rather not say"},
    "button_urgent": {ZH_TW: "很急", EN: "Urgent"},
    "button_soon": {ZH_TW: "幾週內", EN: "Within weeks"},
    "button_not_urgent": {ZH_TW: "不急", EN: "Not urgent"},
    "button_contact_chat": {ZH_TW: "在這裡回覆", EN: "Reply here"},
    "button_contact_phone": {ZH_TW: "電話", EN: "Phone"},
    "button_contact_email": {ZH_TW: "Email", EN: "E-mail"},
    "button_contact_none": {ZH_TW: "不用聯絡", EN: "No contact"},
    "button_correct": {ZH_TW: "對，沒錯", EN: "Yes, that's right"},
    "button_change": {ZH_TW: "要修改", EN: "Change something"},
    "button_fits": {ZH_TW: "符合", EN: "They fit"},
    "button_partly": {ZH_TW: "部分符合", EN: "Partly"},
    "button_not_at_all": {ZH_TW: "不符合", EN: "Not at all"},
    "button_reason_not_eligible": {ZH_TW: "資格不符", EN: "Not eligible"},
    "button_reason_too_far": {ZH_TW: "地點太遠", EN: "Too far away"},
    "button_reason_unclear": {ZH_TW: "說明看不懂", EN: "Hard to understand"},
    "button_reason_not_what_i_need": {ZH_TW: "不是我要的", EN: "Not what I need"},
    "button_remember": {ZH_TW: "記住我的設定", EN: "Remember my settings"},
    # proactive follow-up (opt-in)
    "ask_followup": {
        ZH_TW: "如果市府之後針對「{area}」新增服務，要我在這裡通知您嗎？",
        EN: "If the city adds something for \"{area}\" later, shall I let you know here?",
    },
    "followup_granted": {
        ZH_TW: "好的，有新服務時我會通知您。不想再收到時，說「撤回同意」就可以。",
        EN: "Done: I'll let you know when there is something new. Say \"withdraw consent\" to stop at any time.",
    },
    "followup_declined": {
        ZH_TW: "好的，不會另外通知您。",
        EN: "OK, I won't send you updates.",
    },
    "consent_and_followup_withdrawn": {
        ZH_TW: "已撤回您的同意，從現在起不再記錄，也不會再通知您新的服務。若也要刪除已保存的資料，請說「刪除我的資料」。",
        EN: "Your consent is withdrawn: nothing more will be recorded and you won't get updates about new services. To also delete what was kept, say \"delete my data\".",
    },
    "need_addressed": {
        ZH_TW: "您提過的「{area}」需求，現在有新的服務：{note}\n不想再收到這類通知，請說「撤回同意」。",
        EN: "You told us about a need for \"{area}\"; there is now: {note}\nSay \"withdraw consent\" to stop these messages.",
    },
    "button_notify_me": {ZH_TW: "好，請通知我", EN: "Yes, let me know"},
    "button_no_updates": {ZH_TW: "不用了", EN: "No, thanks"},
    # one person, many screens (bot/actions/linking.py)
    "link_code_issued": {
        ZH_TW: "您的連結碼是 {code}。請在 {minutes} 分鐘內，到另一個畫面（LINE、Telegram 或網頁）輸入「連結 {code}」。\n連結之後，您的偏好設定和還沒完成的需求會在這些畫面之間共用。要不要連結由您決定，之後隨時可以說「取消連結」或「刪除我的資料」。連結碼只能用一次，請不要告訴別人。",
        EN: "Your link code is {code}. Within {minutes} minutes, type \"link {code}\" on your other screen (LINE, Telegram or the web chat).\nOnce linked, your preferences and any need you haven't finished are shared between those screens. It's your choice: you can say \"unlink\" or \"delete my data\" at any time. The code works once; please don't share it with anyone.",
    },
    "link_done": {
        ZH_TW: "連結完成！現在有 {count} 個畫面連在一起：{screens}。您的偏好設定和還沒完成的需求會跟著您。想取消時，說「取消連結」就可以。",
        EN: "Linked! {count} screens are now connected: {screens}. Your preferences and any unfinished need follow you. Say \"unlink\" at any time to undo it.",
    },
    "link_need_continues": {
        ZH_TW: "我們接著處理您在另一個畫面說的需求。",
        EN: "Let's carry on with the need you started on your other screen.",
    },
    "link_already": {
        ZH_TW: "這個畫面已經和那個畫面連在一起了（共 {count} 個畫面：{screens}）。",
        EN: "This screen is already linked to that one ({count} screens: {screens}).",
    },
    "link_same_screen": {
        ZH_TW: "這組連結碼是在這個畫面產生的。請到另一個畫面（LINE、Telegram 或網頁）輸入「連結 {code}」。",
        EN: "That code was made on this screen. Type \"link {code}\" on your other screen (LINE, Telegram or the web chat).",
    },
    "link_code_wrong": {
        ZH_TW: "這組連結碼不對。請再確認一次數字，或在原本的畫面說「連結帳號」拿一組新的。",
        EN: "That link code isn't right. Please check the digits, or say \"link account\" on your other screen to get a new one.",
    },
    "link_code_expired": {
        ZH_TW: "這組連結碼已經過期了（有效時間 {minutes} 分鐘）。請在原本的畫面說「連結帳號」拿一組新的。",
        EN: "That link code has expired (codes last {minutes} minutes). Say \"link account\" on your other screen to get a new one.",
    },
    "link_code_used": {
        ZH_TW: "這組連結碼已經用過了，每組只能用一次。需要的話，請在原本的畫面說「連結帳號」拿一組新的。",
        EN: "That link code has already been used; each code works once. Say \"link account\" on your other screen for a new one if you need it.",
    },
    "link_code_format": {
        ZH_TW: "連結碼是 6 位數字，例如「連結 483920」。請再輸入一次。",
        EN: "A link code has 6 digits, for example \"link 483920\". Please try again.",
    },
    "link_too_many_attempts": {
        ZH_TW: "輸入錯誤的次數太多了，為了保護您的資料，請 {minutes} 分鐘後再試。",
        EN: "Too many wrong codes. To keep your data safe, please try again in {minutes} minutes.",
    },
    "unlink_done": {
        ZH_TW: "已取消這個畫面的連結。之前的偏好和需求紀錄留在其他還連著的畫面；這個畫面從現在起重新開始。",
        EN: "This screen is unlinked. Your earlier preferences and needs stay with the screens still linked; this screen starts afresh from now on.",
    },
    "unlink_nothing": {
        ZH_TW: "這個畫面目前沒有和其他畫面連結。想連結的話，說「連結帳號」就可以。",
        EN: "This screen isn't linked to any other. Say \"link account\" if you'd like to link one.",
    },
    "show_linked_screens": {
        ZH_TW: "• 連在一起的畫面：{count} 個（{screens}）。說「取消連結」可以取消這個畫面的連結。",
        EN: "• Linked screens: {count} ({screens}). Say \"unlink\" to unlink this screen.",
    },
    "data_deleted_linked": {
        ZH_TW: "已刪除您的資料，共 {count} 筆紀錄；另外 {screens} 個連結的畫面也已取消連結，並刪除了那邊的對話紀錄。接下來的對話會重新開始。",
        EN: "Your data has been deleted ({count} records); your {screens} other linked screens are unlinked and their conversation history deleted too. The conversation starts afresh from here.",
    },
    "data_deleted_linked_pending": {
        ZH_TW: "已刪除您的資料，共 {count} 筆紀錄；另外 {screens} 個連結的畫面也已取消連結。那些畫面的對話紀錄現在無法刪除，我們已經記下來，會由工作人員刪除。接下來的對話會重新開始。",
        EN: "Your data has been deleted ({count} records) and your {screens} other linked screens are unlinked. Their conversation history could not be deleted just now; it has been noted and staff will delete it. The conversation starts afresh from here.",
    },
    "channel_label_line": {ZH_TW: "LINE", EN: "LINE"},
    "channel_label_telegram": {ZH_TW: "Telegram", EN: "Telegram"},
    "channel_label_socketio": {ZH_TW: "網頁", EN: "web chat"},
    "channel_label_other": {ZH_TW: "其他", EN: "other"},
}


def t(key: str, language: str, **values: Any) -> str:
    """The string ``key`` in ``language`` (Chinese when the language is unknown)."""
    variants = STRINGS[key]
    return variants.get(language, variants[ZH_TW]).format(**values)
