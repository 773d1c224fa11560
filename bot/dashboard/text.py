"""Every string the dashboard shows, in zh-TW and English, in one place.

Templates call ``t("key", **values)``; a test checks both languages have every key and
that templates use no key missing here. Chart titles and notes shared with the offline
report come from ``bot.insights.report`` so the two never say different things.
"""

from __future__ import annotations

from typing import Any, Dict

from bot.insights.report import TEXT as REPORT_TEXT
from bot.taxonomy import Label

LANGUAGES = ("zh-TW", "en")
HTML_LANG = {"zh-TW": "zh-Hant-TW", "en": "en"}

TEXT: Dict[str, Label] = {
    "app": Label("合產 CoServe 機關儀表板", "CoServe agency dashboard"),
    "skip": Label("跳到主要內容", "Skip to main content"),
    "switch_language": Label("English", "中文"),
    "nav": Label("主選單", "Main menu"),
    "nav_overview": Label("需求總覽", "Needs overview"),
    "nav_gaps": Label("知識缺口", "Knowledge gaps"),
    "nav_handoffs": Label("待回覆轉接", "Hand-offs waiting"),
    "nav_addressed": Label("已回應的需求", "Needs addressed"),
    "signed_in_as": Label("登入者：{name}", "Signed in as {name}"),
    "sign_in": Label("登入", "Sign in"),
    "sign_out": Label("登出", "Sign out"),
    "sign_in_intro": Label("僅限機關同仁使用。", "For agency staff only."),
    "username": Label("帳號", "User name"),
    "password": Label("密碼", "Password"),
    "signin_failed": Label("帳號或密碼錯誤。", "Wrong user name or password."),
    "signin_locked": Label("登入失敗次數過多，請 {minutes} 分鐘後再試。",
                           "Too many failed sign-ins; try again in {minutes} minutes."),
    "filters": Label("篩選", "Filters"),
    "date_from": Label("開始日期", "From"),
    "date_to": Label("結束日期", "To"),
    "area": Label("地區", "Area"),
    "all": Label("全部", "All"),
    "target_group": Label("對象", "Target group"),
    "channel": Label("管道", "Channel"),
    "apply": Label("套用", "Apply"),
    "filter_scope": Label("地區、對象與管道只篩選需求（管道也篩選搜尋）；滿意度與合適度為全市資料。",
                          "Area, target group and channel filter needs (channel also searches); "
                          "satisfaction and fit are city-wide."),
    "period_shown": Label("顯示期間：{start} 至 {end}（{weeks} 週）", "Showing {start} to {end} ({weeks} weeks)"),
    "findings": REPORT_TEXT["findings"],
    "by_district": REPORT_TEXT["by_district"],
    "by_area": REPORT_TEXT["by_area"],
    "by_week": Label("每週需求趨勢：前五大服務領域（人次）",
                     "Needs by week, five largest service areas (person-cells)"),
    "cross": Label("需求：服務領域 × 對象 × 地區（人次，前 {n} 列）",
                   "Needs by service area × target group × district (person-cells, top {n} rows)"),
    "merged_note": Label("另有 {n} 人次屬於合併為「其他」的小組合，未畫入圖中（見資料表）。",
                         "Another {n} person-cells are in small groups merged into “other”; "
                         "they are in the data table, not the chart."),
    "data_table": Label("資料表", "Data table"),
    "person_cells_note": Label("「人次」是各週已公布格子的人數總和；0 表示沒有可公布的資料。",
                               "Person-cells add up the people of each week's published cells; "
                               "0 means nothing publishable."),
    "service_area": Label("服務領域", "Service area"),
    "district": Label("行政區", "District"),
    "week": Label("週", "Week"),
    "people": Label("人次", "Person-cells"),
    "satisfaction": Label("各服務滿意度", "Satisfaction by service"),
    "service": Label("服務", "Service"),
    "ratings": Label("評分數", "Ratings"),
    "mean_score": Label("平均（1–5）", "Mean (1–5)"),
    "fit": Label("推薦服務合不合適（人次）", "How well suggested services fitted (person-cells)"),
    "fit_fits": Label("合適", "Fits"),
    "fit_partly": Label("部分合適", "Partly"),
    "fit_not_at_all": Label("不合適", "Not at all"),
    "rising": Label("上升中的主題", "Rising topics"),
    "topic": Label("主題", "Topic"),
    "previous_week": Label("前一週", "Previous week"),
    "latest_week": Label("最近一週", "Latest week"),
    "change": Label("增加", "Increase"),
    "below_k": Label("未達門檻", "below k"),
    "none_yet": Label("沒有資料。", "Nothing to show."),
    "downloads": Label("下載所選期間的資料", "Download the selected period"),
    "downloads_note": Label("每個檔案都是 ZIP：各資料表、雙語資料字典與 metadata.json。下載會記入稽核紀錄。",
                            "Each file is a ZIP: the tables, a bilingual data dictionary and "
                            "metadata.json. Downloads are recorded in the audit log."),
    "gaps_title": Label("知識缺口與不合適的推薦", "Knowledge gaps and poor matches"),
    "gaps_intro": Label("語意相近的「找不到答案的搜尋」與「推薦不合適的需求」分成群組；每群至少 {k} 人。",
                        "Unanswered searches and poorly matched needs, grouped by meaning; "
                        "each group describes at least {k} people."),
    "gaps_off": Label("此伺服器未開啟語意分群（dashboard.gap_clusters）。",
                      "Clustering is turned off on this server (dashboard.gap_clusters)."),
    "source_search": Label("找不到答案", "No answer found"),
    "source_fit": Label("推薦不合適", "Poor match"),
    "source": Label("來源", "Source"),
    "suggested_label": Label("建議標籤", "Suggested label"),
    "example": Label("代表例句（已去識別化）", "Representative example (anonymised)"),
    "people_count": Label("人數", "People"),
    "clusters_shown": Label("顯示最大的 {n} 群（共 {total} 群）；全部群組在下載檔中。",
                            "The {n} largest of {total} groups; every group is in the downloads."),
    "rising_gaps": Label("上升中的缺口", "Rising gaps"),
    "handoffs_title": Label("等待專人回覆的轉接", "Hand-offs waiting for staff"),
    "handoffs_count": Label("共 {n} 件等待中。", "{n} waiting."),
    "handoffs_shown": Label("顯示最早的 {n} 件。", "Showing the oldest {n}."),
    "handoffs_audit": Label("檢視此頁會記入稽核紀錄。摘要已遮蔽個資。",
                            "Viewing this page is recorded in the audit log. Summaries are redacted."),
    "handoffs_none": Label("目前沒有等待中的轉接。", "No hand-offs are waiting."),
    "received": Label("收到時間", "Received"),
    "summary": Label("摘要", "Summary"),
    "status": Label("狀態", "Status"),
    "status_open": Label("待處理", "Open"),
    "status_in_progress": Label("處理中", "In progress"),
    "addressed_title": Label("標記需求類別已回應", "Mark a need category as addressed"),
    "addressed_intro": Label("例如新增了服務或更新了說明。標記會記入稽核紀錄。",
                             "For example, a service was added or its information updated. "
                             "Markers are recorded in the audit log."),
    "announce_on": Label("送出後，系統會把說明傳給有此類需求、且同意接收追蹤訊息的民眾。",
                         "Sending this form messages the note to people with such a need who "
                         "asked to be told."),
    "announce_off": Label("此伺服器不會自動通知民眾；請用 coserve followup send 傳送。",
                          "This server does not message anyone; send with coserve followup send."),
    "followup": Label("追蹤通知", "Follow-up"),
    "followup_sent": Label("已通知 {reached}／{total} 人", "Told {reached} of {total}"),
    "followup_sending": Label("傳送中…", "Sending…"),
    "followup_not_sent": Label("未送出（{error}）", "Not sent ({error})"),
    "followup_off": Label("未自動通知", "Not sent from here"),
    "note_zh": Label("說明（中文）", "Note (Chinese)"),
    "note_en": Label("說明（英文）", "Note (English)"),
    "mark": Label("標記為已回應", "Mark as addressed"),
    "marked": Label("已記錄：{area}。", "Recorded: {area}."),
    "recent_markers": Label("最近的標記", "Recent markers"),
    "staff": Label("人員", "Staff"),
    "time": Label("時間", "Time"),
    "error_title": Label("無法處理這個要求", "This request cannot be handled"),
    "back": Label("回到總覽", "Back to the overview"),
    "bad_date": Label("「{value}」不是有效的日期，請用 YYYY-MM-DD。", "“{value}” is not a date; use YYYY-MM-DD."),
    "date_order": Label("開始日期（{start}）晚於結束日期（{end}）。",
                        "The start date ({start}) is after the end date ({end})."),
    "too_long": Label("期間最長 {days} 天。", "A period can be at most {days} days."),
    "bad_choice": Label("「{value}」不是「{field}」的選項。", "“{value}” is not a choice for “{field}”."),
    "bad_format": Label("沒有「{value}」這種下載格式。", "There is no download format “{value}”."),
    "notes_required": Label("請填寫中文與英文說明（各 {n} 字以內）。",
                            "Write both notes, at most {n} characters each."),
    "unauthorized": Label("請先登入。", "Sign in first."),
    "csrf": Label("表單已失效，請重新整理頁面後再送出。", "The form has expired; reload the page and send it again."),
    "unavailable": Label("資料庫暫時無法使用，請稍後再試。", "The database is unavailable; try again later."),
}

CHANNELS: Dict[str, Label] = {
    "line": Label("LINE", "LINE"),
    "telegram": Label("Telegram", "Telegram"),
    "socketio": Label("網站小幫手", "Web widget"),
    "rest": Label("其他（API）", "Other (API)"),
}


def translate(key: str, language: str, **values: Any) -> str:
    """The string ``key`` in ``language`` with ``values`` filled in."""
    return TEXT[key].for_language(language).format(**values)
