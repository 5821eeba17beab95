import pytest

from services.collector.segment import batch_items, parse_json, parse_message
from shared.errors import BadInput


def test_track_needs_an_event_name() -> None:
    with pytest.raises(BadInput) as caught:
        parse_message({"userId": "u1"}, call="track")
    assert caught.value.field == "event"
    assert "event name" in caught.value.message


def test_every_call_but_alias_needs_a_user_or_anonymous_id() -> None:
    with pytest.raises(BadInput, match="userId or anonymousId is required"):
        parse_message({"name": "Home"}, call="page")


def test_alias_needs_user_id_and_previous_id() -> None:
    with pytest.raises(BadInput) as caught:
        parse_message({"userId": "u1"}, call="alias")
    assert caught.value.field == "previousId"
    assert parse_message({"userId": "u1", "previousId": "a1"}, call="alias").previousId == "a1"


def test_endpoint_fixes_the_type_whatever_the_body_says() -> None:
    message = parse_message({"type": "track", "anonymousId": "a", "name": "Home"}, call="page")
    assert message.type == "page"


def test_numeric_ids_are_read_as_strings_like_segment_does() -> None:
    message = parse_message({"userId": 42, "event": "Signed Up"}, call="track")
    assert message.userId == "42"


def test_a_wrong_type_names_the_field_inside_the_batch() -> None:
    with pytest.raises(BadInput) as caught:
        parse_message(
            {"anonymousId": "a", "event": "x", "timestamp": "yesterday"},
            call=None,
            where="batch[3]",
        )
    assert caught.value.field is not None
    assert caught.value.field.startswith("batch[3]")


def test_non_object_message_is_refused_with_its_position() -> None:
    with pytest.raises(BadInput, match=r"batch\[0\] must be a JSON object"):
        parse_message("hello", call=None, where="batch[0]")


def test_batch_must_be_an_array_under_its_limit() -> None:
    with pytest.raises(BadInput, match='"batch" array'):
        batch_items({"events": []}, max_events=10)
    with pytest.raises(BadInput, match="limit is 2"):
        batch_items({"batch": [{}, {}, {}]}, max_events=2)
    assert len(batch_items({"batch": [{}, {}]}, max_events=2)) == 2


def test_invalid_json_says_where_it_breaks() -> None:
    with pytest.raises(BadInput, match="line 1 column 2"):
        parse_json(b"{oops")


def test_json_exactly_at_the_depth_limit_is_accepted_and_one_more_level_is_not() -> None:
    at_limit = b"[" * 32 + b"]" * 32
    assert parse_json(b'{"batch": [' + at_limit + b"," + at_limit + b"]}", max_depth=34)
    with pytest.raises(BadInput, match="limit of 33"):
        parse_json(b'{"batch": [' + at_limit + b"]}", max_depth=33)


def test_invalid_utf8_and_truncated_bodies_are_bad_input() -> None:
    # Invalid bytes inside a string and outside one: the message is ours, whatever the decoder
    # release says about it.
    for body in (b'{"event": "\xff"}', b'{"event": 1}\xff', b"\xc3\x28"):
        with pytest.raises(BadInput, match="body is not UTF-8 text") as caught:
            parse_json(body)
        assert caught.value.code == "invalid_json"
    with pytest.raises(BadInput, match="ends before"):
        parse_json(b'{"event": ')
