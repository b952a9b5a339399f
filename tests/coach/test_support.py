"""The deterministic support check that guards every answer sentence and scores strict citation validity."""

from __future__ import annotations

from rag_coach.coach.support import check, figures, names

EVIDENCE = ("A Bar Raiser is an interviewer from outside the hiring team who can veto the hire and keeps "
            "the hiring bar high. Amazon has 16 Leadership Principles.")


def test_a_faithful_paraphrase_is_supported() -> None:
    verdict = check("The Bar Raiser comes from outside the hiring team and can veto the hire.", EVIDENCE)
    assert verdict.supported and verdict.word_share >= 0.75


def test_an_invented_figure_is_not_supported() -> None:
    verdict = check("Amazon has 14 Leadership Principles.", EVIDENCE)
    assert not verdict.supported and verdict.missing_figures == ("14",)
    assert check("Amazon has 16 Leadership Principles.", EVIDENCE).supported
    assert not check("The base salary is $187,500.", EVIDENCE).supported


def test_a_name_not_in_the_evidence_is_not_supported() -> None:
    verdict = check("At Google the Bar Raiser can veto the hire.", EVIDENCE, known_names=("Google", "Amazon"))
    assert not verdict.supported and "Google" in verdict.missing_names
    # a name the question itself uses is not an addition
    assert check("At Amazon the Bar Raiser can veto the hire.", EVIDENCE, "Amazon?", known_names=("Amazon",)).supported


def test_unrelated_content_is_not_supported() -> None:
    verdict = check("Rehearse your system design diagrams with a whiteboard every morning.", EVIDENCE)
    assert not verdict.supported and verdict.word_share < 0.75 and "content words" in verdict.reason


def test_citation_markers_are_not_figures_and_sentence_initial_capitals_are_not_names() -> None:
    assert figures("Keep the hiring bar high [12].") == set()
    assert names("Expect an interviewer from outside the team.") == []
    assert names("Ask about the Bar Raiser and the LP list.") == ["Bar", "Raiser", "LP"]


def test_a_possessive_names_the_same_entity() -> None:
    from rag_coach.coach.support import names

    assert names("Answer by highlighting Bloomberg's role and Amazon\u2019s principles.") == ["Bloomberg", "Amazon"]
    claim = "Bloomberg's terminal business is best known."
    assert check(claim, "Bloomberg is best known for its terminal business.").supported
    assert check(claim, "Reuters is best known for its terminal business.", known_names=("Bloomberg",)).missing_names == ("Bloomberg",)
