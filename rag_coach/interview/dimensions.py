"""The scored dimensions of each interview round: name -> one-line definition, in rubric order.

Shared by the feedback model (:mod:`rag_coach.interview.feedback`), the grading prompt's dimension checks
(:mod:`rag_coach.interview.grading`) and the deterministic rules (:mod:`rag_coach.interview.signals`).
"""

from __future__ import annotations

from typing import Literal, get_args

Round = Literal["coding", "system_design", "behavioral", "product", "ml_design"]

DIMENSIONS: dict[str, dict[str, str]] = {
    "coding": {
        "problem_understanding": "Restates the problem; asks about inputs and constraints.",
        "approach": "Finds an efficient algorithm, improving on brute force.",
        "correctness": "Code is correct; verified by tracing an example.",
        "complexity_analysis": "States time and space complexity correctly.",
        "edge_cases": "Names, handles and tests edge cases.",
        "communication": "Explains reasoning clearly while working.",
    },
    "system_design": {
        "requirements": "Clarifies functional/non-functional requirements and scale.",
        "high_level_design": "Coherent components, apis, data model, data flow.",
        "deep_dive": "Concrete mechanisms for the hardest component.",
        "tradeoffs": "Names alternatives and justifies choices.",
        "scaling": "Handles growth, hot spots and failures specifically.",
    },
    "behavioral": {
        "star_completeness": "Clear situation, task, action and result.",
        "specificity_ownership": "Specific details; own actions (i, not we).",
        "measurable_result": "Concrete, ideally measured outcome and lesson.",
        "principle_alignment": "Shows the principles the question probes.",
    },
    "product": {
        "goal_clarification": "Clarifies goal, context and constraints first.",
        "user_insight": "Segments users; picks a concrete pain point with reasons.",
        "solution_quality": "Several ideas, then a concrete reasoned first version.",
        "prioritization": "Prioritises by impact and effort; says what to cut.",
        "success_metrics": "Defines success metrics, risks and guardrails.",
    },
    "ml_design": {
        "problem_framing": "Turns the goal into an ml objective with the right labels.",
        "data_features": "Data, labels, features; online/offline consistency.",
        "modeling": "Sensible, justified model architecture (e.g. multi-stage).",
        "evaluation": "Offline metrics, online a/b tests and their gap.",
        "serving_monitoring": "Latency, serving, feedback loops, drift, monitoring.",
    },
}


def rounds() -> list[str]:
    return list(get_args(Round))


def dimensions_for(round: str) -> dict[str, str]:
    """Dimension name -> one-line definition, in rubric order."""
    if round not in DIMENSIONS:
        raise ValueError(f"no feedback dimensions for round '{round}'; rounds: {', '.join(rounds())}")
    return dict(DIMENSIONS[round])
