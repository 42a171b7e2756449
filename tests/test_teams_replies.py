"""What the Teams adapter sends, made cheaply: the same JSON the SDK would send, and a card the
SDK's deep copy does not walk."""

from __future__ import annotations

import copy

import botbuilder.schema as schema
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from msrest import Serializer

from adapters import teams
from bot import Bot, Question


def incoming() -> Activity:
    return Activity(
        type="message",
        id="1700000000001",
        channel_id="msteams",
        service_url="https://smba.example/amer/",
        from_property=ChannelAccount(id="29:user", name="A Teacher"),
        recipient=ChannelAccount(id="28:bot", name="Safeguarding"),
        conversation=ConversationAccount(id="a:1;messageid=1700000000001"),
        locale="en-GB",
    )


def test_reply_json_is_the_json_the_sdk_would_send(shipped_bot: Bot) -> None:
    """The reply posted to the connector, card and all, equals msrest's serialisation of it."""
    reply = shipped_bot.answer(Question(text="who is the lado", channel="teams"))
    activity = teams.reply_activity(reply, "rec-1")
    TurnContext.apply_conversation_reference(
        activity, TurnContext.get_conversation_reference(incoming())
    )
    models = {k: v for k, v in vars(schema).items() if isinstance(v, type)}
    assert teams.activity_json(activity) == Serializer(models).body(activity, "Activity")
    assert activity.attachments[0].content["type"] == "AdaptiveCard"  # left as it was


def test_a_reply_card_is_shared_not_copied_when_the_sdk_copies_the_reply(shipped_bot: Bot) -> None:
    """The SDK deep-copies each activity it sends; the card, never changed once made, is kept
    as it is rather than copied value by value."""
    reply = shipped_bot.answer(Question(text="what are the signs of county lines", channel="teams"))
    activity = teams.reply_activity(reply)
    copied = copy.deepcopy(activity)
    assert copied is not activity
    assert copied.attachments[0].content is activity.attachments[0].content
