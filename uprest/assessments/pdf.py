"""The skills-gap report as a PDF, in the learner's language (rendered by uprest.pdf)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from uprest.assessments import presentation
from uprest.assessments.forms import template_labels
from uprest.assessments.models import AssessmentRun
from uprest.pdf import render_pdf


def report_locale(run: AssessmentRun) -> str:
    locale = run.user.locale
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def render_report(run: AssessmentRun) -> bytes:
    """The learner's name, the date, the profile, the chart, the top priorities and the gaps table."""
    locale = report_locale(run)
    # The summary's sentences are translated when built, so they are built in the learner's language too.
    with force_locale(locale):
        summary = presentation.result_summary(run, chart_id="pdf-gap-chart")
    return render_pdf("assessments/report_pdf.html", locale=locale, learner=run.user, **summary, **template_labels())
