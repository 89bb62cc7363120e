"""Validation of a module's quiz files (``quiz.<lang>.yaml``): questions, choices, and the merge of the
languages into one quiz. Pure: no Flask, no database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from uprest import content
from uprest.catalog import rules
from uprest.content import Checker, LoadError

LANGS = rules.LANGS
QUIZ_FILE_RE = re.compile(r"^quiz\.([a-z]{2})\.ya?ml\Z")
QUESTION_KINDS = ("single", "multiple", "truefalse")
QUIZ_MESSAGES = {
    "kind": "unknown question kind",
    "few": "needs at least 2 choices",
    "many": f"may have at most {rules.MAX_CHOICES} choices",
    "truefalse_two": "a true/false question has exactly two choices (True, then False)",
    "one_correct": "needs exactly one correct choice",
    "some_correct": "needs at least one correct choice",
}


def validate_quizzes(folder: Path, code: str, assessment_type: str | None) -> tuple[list[dict], list[LoadError]]:
    """The merged questions of every quiz file; quiz.en.yaml is required when the assessment has a quiz."""
    quizzes: dict[str, list[dict]] = {}
    errors: list[LoadError] = []
    for path in sorted(folder.iterdir()):
        if not (path.name.startswith("quiz.") and path.is_file()):
            continue
        fname = f"{code}/{path.name}"
        m = QUIZ_FILE_RE.match(path.name)
        if not m or m.group(1) not in LANGS:
            errors.append(LoadError(fname, "", f"quiz files are named quiz.<lang>.yaml ({', '.join(LANGS)})"))
            continue
        questions, quiz_errors = _quiz(path.read_bytes(), fname)
        errors += quiz_errors
        quizzes[m.group(1)] = questions
    if assessment_type in ("quiz", "quiz_and_assignment") and "en" not in quizzes:
        errors.append(LoadError(f"{code}/quiz.en.yaml", "", "no such file: the assessment includes a quiz"))
    questions, merge_errors = _merge_quiz(quizzes, code)
    return questions, errors + merge_errors


def _quiz(raw: bytes, name: str) -> tuple[list[dict], list[LoadError]]:
    """The questions of one quiz file (those readable even when some are wrong) and its errors."""
    questions, errors = content.check_yaml(raw, name, _quiz_questions)
    return questions or [], errors


def _quiz_questions(ck: Checker, data: Any) -> list[dict]:
    doc = ck.mapping(data, (), ["questions"])
    ids: set[str] = set()
    raw_questions = ck.seq(doc.get("questions") if doc else None, ("questions",), min_items=1)
    questions = [_question(ck, raw, ("questions", i), ids) for i, raw in enumerate(raw_questions)]
    return [q for q in questions if q is not None]


def _question(ck: Checker, raw: Any, path, ids: set[str]) -> dict | None:
    q = ck.mapping(raw, path, ["id", "kind", "text", "choices"], ["feedback"])
    if q is None:
        return None
    key = None
    if "id" in q:
        hint = "letters, digits, '-' and '_'"
        key = ck.text(q["id"], (*path, "id"), pattern=rules.QUESTION_KEY_RE, allow_int=True, hint=hint)
    ck.once(key, ids, (*path, "id"), f"question id {key!r} is used twice")
    kind = q.get("kind")
    if "kind" in q and kind not in QUESTION_KINDS:
        ck.error((*path, "kind"), f"must be one of: {', '.join(QUESTION_KINDS)}")
    text = ck.text(q["text"], (*path, "text"), max_len=2000) if "text" in q else None
    feedback = q.get("feedback")
    if feedback is not None:
        feedback = ck.text(feedback, (*path, "feedback"), max_len=4000)
    choices, correct = _choices(ck, q.get("choices"), (*path, "choices"))
    if kind in QUESTION_KINDS and "choices" in q:
        for problem in rules.choice_problems(kind, correct):
            ck.error((*path, "choices"), QUIZ_MESSAGES[problem])
    return {"key": key, "kind": kind, "text": text, "choices": choices, "correct": correct, "feedback": feedback or ""}


def _choices(ck: Checker, value: Any, path) -> tuple[list[str], list[bool]]:
    """The texts of the choices and, in the same order, which are correct."""
    choices, correct = [], []
    for j, raw in enumerate(ck.seq(value, path)):
        cpath = (*path, j)
        c = ck.mapping(raw, cpath, ["text", "correct"])
        if c is None:
            continue
        choices.append(ck.text(c.get("text"), (*cpath, "text"), max_len=500, allow_int=True) or "")
        correct.append(ck.flag(c.get("correct"), (*cpath, "correct")))
    return choices, correct


def _merge_quiz(quizzes: dict[str, list[dict]], code: str) -> tuple[list[dict], list[LoadError]]:
    """One list of questions: kind and answers from quiz.en.yaml, the texts of every language."""
    english = {q["key"]: q for q in quizzes.get("en", [])}
    merged = [{"key": q["key"], "kind": q["kind"], "correct": q["correct"], "texts": {}} for q in quizzes.get("en", [])]
    by_key = {q["key"]: q for q in merged}
    errors = []
    for lang in LANGS:
        fname = f"{code}/quiz.{lang}.yaml"
        for q in quizzes.get(lang, []):
            problem = _translation_problem(q, english.get(q["key"]))
            if problem:
                errors.append(LoadError(fname, "", problem))
                continue
            by_key[q["key"]]["texts"][lang] = {"text": q["text"], "choices": q["choices"], "feedback": q["feedback"]}
    return merged, errors


def _translation_problem(q: dict, en: dict | None) -> str | None:
    """Why a question of a quiz.<lang>.yaml does not translate its English original, if it does not."""
    if en is None:
        return f"question {q['key']!r} is not in quiz.en.yaml"
    if (q["kind"], q["correct"]) != (en["kind"], en["correct"]):
        return (
            f"question {q['key']!r}: the kind, the number of choices and "
            "which are correct must be the same as in quiz.en.yaml"
        )
    return None
