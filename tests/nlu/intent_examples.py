"""A few intents with examples in both languages, for training the classifiers in tests."""

EXAMPLES = {
    "greet": ["你好", "哈囉", "嗨 早安", "hello there", "hi", "good morning"],
    "ask_long_term_care": [
        "長照怎麼申請", "我媽媽需要長照服務", "長照2.0 要去哪裡辦", "how do I apply for long-term care",
        "long-term care for my father", "care services for elderly parents",
    ],
    "garbage": [
        "舊沙發要怎麼丟", "大型垃圾清運怎麼預約", "資源回收時間", "how do I throw away an old sofa",
        "bulky waste pickup", "recycling schedule",
    ],
}
