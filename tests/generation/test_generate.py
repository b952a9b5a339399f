"""QuestionGenerator with FakeLLM scripted replies (plumbing) and the real MiniLM embedder (duplicates)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rag_coach.generation import prompting
from rag_coach.generation.generate import GenerationError, nn_similarities
from rag_coach.index.ingest import ingest
from rag_coach.services import Services
from rag_coach.settings import Settings, updated
from tests.fakes import FakeLLM
from tests.generation.conftest import NOVEL_A, NOVEL_B, reply, user_message

GIFT_CARD = "q.amazon.coding.gift_card_pair"


def test_valid_reply_is_accepted_with_code_assigned_fields(generator, bank, fake) -> None:
    fake.replies = [reply(mistake_ids=["mistake.hashing.duplicates_overwrite"])]  # linked by the easy example below
    report = generator.generate("amazon", "coding", "hashing", "easy", n=1, max_attempts=2)
    assert [a.status for a in report.attempts] == ["accepted"]
    q = report.accepted[0]
    assert re.fullmatch(r"q\.amazon\.coding\.gen_[0-9a-f]{8}", q.id)
    assert (q.source, q.round, q.topic, q.difficulty, q.company) == ("generated", "coding", "hashing", "easy", "amazon")
    assert q.prompt == NOVEL_A and len(q.hints) == 3 and q.mistake_ids == ["mistake.hashing.duplicates_overwrite"]
    request = fake.requests[0]
    schema = request["json_schema"]
    assert schema["properties"]["hints"]["minItems"] == schema["properties"]["hints"]["maxItems"] == 3
    enum = schema["properties"]["mistake_ids"]["items"]["enum"]
    assert "mistake.hashing.duplicates_overwrite" in enum and all(m.startswith("mistake.") for m in enum)
    prompt_text = " ".join(bank.get(GIFT_CARD).prompt.split())
    assert prompt_text in user_message(request)  # grounded on a same-topic bank example
    assert any("index unavailable" in note for note in report.notes)  # no index here: said, not hidden


def test_invalid_replies_are_rejected_and_regenerated(generator, fake) -> None:
    fake.replies = [reply(hints=["only", "two"]), reply(mistake_ids=["mistake.made_up.nope"]), reply()]
    report = generator.generate("amazon", "coding", "hashing", "easy", n=1, max_attempts=3)
    assert [a.status for a in report.attempts] == ["invalid", "invalid", "accepted"]
    assert "hints" in report.attempts[0].reason and "too short" in report.attempts[0].reason
    assert "mistake_ids" in report.attempts[1].reason
    assert "Rejected:" in user_message(fake.requests[1])  # the retry says why
    assert len(report.accepted) == 1


def test_never_accepts_when_every_attempt_fails(generator, fake) -> None:
    fake.replies = ["not json at all"]
    report = generator.generate("amazon", "coding", "hashing", n=1, max_attempts=2)
    assert report.accepted == [] and report.to_dict()["missing"] == 1
    assert [a.status for a in report.attempts] == ["invalid", "invalid"]
    assert any("2 attempts" in note for note in report.notes)


def test_near_duplicate_of_a_bank_prompt_is_rejected(generator, bank, fake) -> None:
    bank_prompt = bank.get(GIFT_CARD).prompt
    fake.replies = [reply(prompt=bank_prompt), reply()]
    report = generator.generate("amazon", "coding", "hashing", n=1, max_attempts=3)
    first = report.attempts[0]
    assert first.status == "duplicate_bank" and first.nearest == GIFT_CARD and first.similarity > 0.99
    assert report.attempts[1].status == "accepted" and report.attempts[1].similarity < generator.threshold
    assert " ".join(bank_prompt.split())[:100] in user_message(fake.requests[1])  # told what not to repeat


def test_batch_duplicate_is_rejected(generator, fake) -> None:
    reworded = NOVEL_A.replace("A library logs loans", "A library records its loans")
    fake.replies = [reply(), reply(prompt=reworded), reply(prompt=NOVEL_B)]
    report = generator.generate("amazon", "coding", "hashing", n=2, max_attempts=3)
    assert [a.status for a in report.attempts] == ["accepted", "duplicate_batch", "accepted"]
    assert report.attempts[1].nearest == report.accepted[0].id
    assert [q.prompt for q in report.accepted] == [NOVEL_A, NOVEL_B]
    assert NOVEL_A[:100] in user_message(fake.requests[1])  # the batch so far is listed to avoid


def test_bad_request_is_refused_before_any_call(generator, fake) -> None:
    gen = generator
    for args in (("nosuch", "coding", "hashing", "easy"), ("amazon", "all", "hashing", "easy"),
                 ("amazon", "coding", "ownership", "easy"), ("amazon", "coding", "hashing", "extreme")):
        with pytest.raises(GenerationError):
            gen.generate(*args)
    assert fake.requests == []


def test_company_guide_passages_ground_the_prompt(settings, embedder) -> None:
    ingest(settings, embedder=embedder)
    fake = FakeLLM([reply(prompt="Split a linked list of parcels into two lists: fragile parcels first, then the rest.",
                          mistake_ids=["mistake.linked_list.empty_input"])])
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    report = services.generator.generate("amazon", "coding", "linked_list", "easy")  # built by the composition root
    assert len(report.accepted) == 1 and report.passages
    assert all(p.startswith("Amazon test guide") for p in report.passages)
    assert "Company notes:" in user_message(fake.requests[0])


def test_threshold_separates_bank_paraphrases_from_distinct_problems(generator, bank) -> None:
    gen = generator
    assert gen.threshold == Settings().generation.duplicate_threshold == 0.85  # the calibrated default
    pairs = {
        ("q.general.system_design.collaborative_document_editor", "q.google.system_design.collaborative_docs"): True,
        ("q.general.behavioral.too_many_priorities", "q.meta.behavioral.competing_priorities"): True,
        ("q.general.coding.least_recently_used_cache", "q.general.coding.least_frequently_used_cache"): False,
        ("q.general.coding.flip_singly_linked_list", "q.general.coding.reverse_in_blocks"): False,
    }
    for (a, b), duplicate in pairs.items():
        va, vb = gen.embed([bank.get(a).prompt, bank.get(b).prompt])
        assert (float(va @ vb) >= gen.threshold) is duplicate, (a, b, float(va @ vb))
    nn = nn_similarities(gen.round_index("coding").vectors)
    assert np.median(nn) < gen.threshold < nn.max()


def test_reply_cut_at_the_length_cap_is_rejected(generator, fake) -> None:
    long_prompt = ("Given a log of orders, " * 40)[: prompting.PROMPT_CHARS]
    fake.replies = [reply(prompt=long_prompt), reply()]
    report = generator.generate("amazon", "coding", "hashing", n=1, max_attempts=2)
    assert [a.status for a in report.attempts] == ["invalid", "accepted"]
    assert "cut at" in report.attempts[0].reason


def test_behavioral_principles_are_limited_to_the_company_bank(bank) -> None:
    principles = prompting.company_principles(bank, "amazon")
    assert "Ownership" in principles and "Googleyness" not in principles
    schema = prompting.generation_schema(["mistake.behavioral.no_reflection"], principles)
    assert schema["properties"]["principles"]["items"]["enum"] == principles
    assert "principles" not in prompting.generation_schema([], [])["properties"]


def test_generation_settings_reach_the_generator(settings, embedder) -> None:
    """The knobs come from settings.generation through the composition root: budget, attempts, passages."""
    fake = FakeLLM(["not json at all"])
    tuned = updated(settings, generation={"max_tokens": 321, "max_attempts": 2, "passages": 0})
    generator = Services(tuned, backend_override=fake, embedder_override=embedder).generator
    report = generator.generate("amazon", "coding", "linked_list", "easy")
    assert [a.attempt for a in report.attempts] == [1, 2] and report.accepted == []
    assert [r["max_tokens"] for r in fake.requests] == [321, 321]
    assert report.passages == [] and not any("index unavailable" in note for note in report.notes)  # none asked for
