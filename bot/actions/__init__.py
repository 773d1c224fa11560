"""Rasa custom actions (run by the action server as ``bot.actions``).

Each module holds a few small Action classes for one part of the dialogue; the logic they
need lives in the domain services of ``bot`` (search, insights, privacy, rendering).
"""

from bot.actions.consent import ActionOfferConsent, ActionRecordConsent, ActionWithdrawConsent
from bot.actions.fallback import ActionClarify, ActionCoreFallback
from bot.actions.feedback import ActionRecordFeedback
from bot.actions.fit import ActionRateFit
from bot.actions.followup import ActionNotifyAddressed
from bot.actions.handoff import ActionRequestHuman
from bot.actions.language import ActionChangeLanguage
from bot.actions.linking import ActionLinkAccount, ActionUnlinkAccount
from bot.actions.my_data import ActionDeleteMyData, ActionShowMyData
from bot.actions.needs import ActionStartNeed, ActionStopNeed, ActionSummariseNeed, ActionUpdateNeed
from bot.actions.needs_form import (
    ActionAskBeneficiary,
    ActionAskNeedArea,
    ActionAskNeedCategoryConfirmed,
    ActionAskNeedContact,
    ActionAskNeedUrgency,
    ActionFormAnswerUnclear,
    ValidateNeedForm,
)
from bot.actions.preferences import (
    ActionExplain,
    ActionSetPersonalisation,
    ActionSetPreference,
    ActionShowPreferences,
)
from bot.actions.search import ActionSearchServices
from bot.actions.slots import ValidateSlotMappings
from bot.actions.yes_no import ActionAnswerYesNo

__all__ = [
    "ActionAnswerYesNo",
    "ActionAskBeneficiary",
    "ActionAskNeedArea",
    "ActionAskNeedCategoryConfirmed",
    "ActionAskNeedContact",
    "ActionAskNeedUrgency",
    "ActionFormAnswerUnclear",
    "ActionExplain",
    "ActionLinkAccount",
    "ActionNotifyAddressed",
    "ActionRateFit",
    "ActionRequestHuman",
    "ActionSetPersonalisation",
    "ActionSetPreference",
    "ActionShowPreferences",
    "ActionStartNeed",
    "ActionStopNeed",
    "ActionSummariseNeed",
    "ActionUpdateNeed",
    "ValidateNeedForm",
    "ActionChangeLanguage",
    "ActionClarify",
    "ActionCoreFallback",
    "ActionDeleteMyData",
    "ActionOfferConsent",
    "ActionRecordConsent",
    "ActionRecordFeedback",
    "ActionSearchServices",
    "ActionShowMyData",
    "ActionUnlinkAccount",
    "ActionWithdrawConsent",
    "ValidateSlotMappings",
]
