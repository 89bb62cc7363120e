"""The course catalogue (public) and module authoring (trainers and admins)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from uprest import cache
from uprest.accounts.models import Role
from uprest.catalog import catalogue, editing, files, markdown, rules, services, sources
from uprest.catalog.forms import (
    ConfirmForm,
    CreateModuleForm,
    ImageForm,
    LessonForm,
    MetadataForm,
    MoveForm,
    ShareForm,
    assessment_labels,
    catalogue_filter_form,
    kind_labels,
    metadata_form,
    participation_labels,
    question_form,
)
from uprest.extensions import MAX_PAGE, db, paginate
from uprest.frameworks import services as fw_services
from uprest.frameworks.forms import CompetenceOption, competence_options
from uprest.i18n import get_locale, pick
from uprest.registry import hooks
from uprest.security import roles_required

bp = Blueprint("catalog", __name__)


def _labels() -> dict:
    return {
        "participation_labels": participation_labels(),
        "assessment_labels": assessment_labels(),
        "kind_labels": kind_labels(),
    }


def _stale(version) -> dict[str, list[str]]:
    """lang -> the items whose translation needs review (the English text changed since)."""
    return sources.needs_review(sources.version_items(version), version.translated_from)


def _review_links(mod, version) -> dict[str, list[tuple[str, str]]]:
    """lang -> (what, where to review it) for each translation that needs review."""
    lessons, links = {le.slug: le.position for le in version.lessons}, {}
    for lang, keys in _stale(version).items():
        for key in keys:
            kind, _sep, name = key.partition(":")
            if kind == "lesson":
                link = (_("Lesson %(n)s", n=lessons[name]), url_for(".edit_lesson", code=mod.code, n=lessons[name]))
            elif kind == "quiz":
                link = (_("Question %(key)s", key=name), url_for(".edit_question", code=mod.code, key=name))
            else:
                labels = {"title": _("Title"), "summary": _("Summary"), "quality_assurance": _("Quality assurance")}
                link = (labels.get(kind, _("Outcomes")), url_for(".edit", code=mod.code))
            links.setdefault(lang, []).append((link[0], f"{link[1]}{'&' if '?' in link[1] else '?'}lang={lang}"))
    return links


def _lang_arg() -> str:
    lang = request.args.get("lang", "en")
    return lang if lang in rules.LANGS else "en"


# --- the catalogue ---------------------------------------------------------------------------
# The public pages (catalogue, module, lesson) show the same to everyone who reads them in the same
# language: their main content is rendered once per worker and kept under the catalogue's content
# generation (uprest.cache), which every import, publish or archive replaces, on every worker at
# once. Only the page around it (navigation, the user's menu, the edit link) is made per request.


@dataclass(frozen=True)
class CachedPage:
    title: str
    body: Markup


def _cached_page(*key, make) -> CachedPage:
    """The page part for `key` in the current language and content generation; `make` on a miss."""
    full_key = (services.content_generation(), str(get_locale()), *key)
    return cache.pages().get_or_make(full_key, make)


#: The largest version number ?v= may name: what every database's integer column holds, as for <int:...> in URLs.
MAX_VERSION = 2**31 - 1


def _version_arg() -> int | None:
    """?v=, the number of a published version: absent or empty means the current one; anything but a whole
    number from 1 to MAX_VERSION names no version (404), before the database is asked."""
    raw = request.args.get("v", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_VERSION))) or not 1 <= int(raw) <= MAX_VERSION:
        abort(404)
    return int(raw)


def _page_arg() -> int:
    """?page=, with junk, zero or negative numbers meaning the first page."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


FILTERS = ("q", "competence", "lang", "eqf", "workload", "participation")


def _competence_groups() -> list:
    """The competence filter's options, grouped by framework; made once per language and content
    generation (each filtered or paged catalogue page that is not cached yet needs them)."""
    key = (services.content_generation(), str(get_locale()), "competence-groups")
    return cache.pages().get_or_make(key, _build_competence_groups)


def _build_competence_groups() -> list:
    groups: dict[str, list] = {}
    for comp in fw_services.current_competences():
        items = groups.setdefault(pick(comp.framework.name), [])
        area_value = f"area:{comp.framework.code}:{comp.area.code}"
        if not any(v == area_value for v, _label in items):
            items.append(
                (
                    area_value,
                    _("%(area)s (whole area)", area=f"{comp.area.code} {pick(comp.area.name)}"),
                )
            )
        items.append((comp.key, f"{comp.code} {pick(comp.name)}"))
    return list(groups.items())


def _catalogue(page_number: int) -> CachedPage:
    form = catalogue_filter_form(request.args, _competence_groups(), current_app.config["LANGUAGES"])
    form.validate()
    clean = {f.name: (f.data if not f.errors else None) for f in form}
    filters = catalogue.Filters(
        q=(clean["q"] or "").strip(),
        competence=clean["competence"] or "",
        lang=clean["lang"] or "",
        eqf=clean["eqf"],
        workload=clean["workload"] or "",
        participation=clean["participation"] or "",
    )
    page = catalogue.catalogue_page(filters, page_number)
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    body = render_template(
        "catalog/index.html",
        form=form,
        page=page,
        args=args,
        filtered=any(args.values()),
        **_labels(),
    )
    return CachedPage(_("Courses"), Markup(body))


@bp.route("/courses")
def index():
    number = _page_arg()
    wanted = tuple(request.args.get(name, "") for name in FILTERS)
    page = _cached_page("catalogue", wanted, number, make=lambda: _catalogue(number))
    return render_template("catalog/_page.html", page=page)


def _module(code: str, number: int | None) -> CachedPage:
    mod = services.public_module(code) or abort(404)
    version = services.published_version(mod, number, with_content=True) or abort(404)
    competences = fw_services.competences_by_key(o.competence_key for o in version.outcomes)
    body = render_template(
        "catalog/module.html",
        module=mod,
        version=version,
        competences=competences,
        prerequisites=catalogue.module_titles(version.prerequisites),
        **_labels(),
    )
    return CachedPage(pick(version.title), Markup(body))


def _edit_url(code: str) -> str | None:
    """The authoring link of the module for those who may edit it (no query for learners)."""
    if not current_user.is_authenticated or current_user.role not in (Role.TRAINER, Role.ADMIN):
        return None
    mod = services.module_by_code(code)
    return url_for("catalog.manage", code=code) if mod and services.can_edit(current_user, mod) else None


@bp.route("/courses/<code>")
def module(code: str):
    number = _version_arg()
    page = _cached_page("module", code, number, make=lambda: _module(code, number))
    panels = [panel for make in hooks("module_panels") if (panel := make(current_user, code))]
    return render_template("catalog/_page.html", page=page, edit_url=_edit_url(code), panels=panels)


def _lesson(code: str, n: int, number: int | None, wanted: str) -> CachedPage:
    mod = services.public_module(code) or abort(404)
    version = services.published_version(mod, number, with_content=True) or abort(404)
    les = services.lesson_at(version, n) or abort(404)
    text, html = files.lesson_html(mod, version, les, wanted) or abort(404)
    body = render_template(
        "catalog/lesson.html",
        module=mod,
        version=version,
        lesson=les,
        content=text,
        html=html,
        wanted=wanted,
        languages=[t.lang for t in les.texts],
        previous=services.lesson_at(version, n - 1),
        next=services.lesson_at(version, n + 1),
    )
    return CachedPage(f"{text.title} · {pick(version.title)}", Markup(body))


@bp.route("/courses/<code>/lessons/<int:n>")
def lesson(code: str, n: int):
    number = _version_arg()
    lang = request.args.get("lang")
    wanted = lang if lang in rules.LANGS else str(get_locale())
    page = _cached_page("lesson", code, n, number, wanted, make=lambda: _lesson(code, n, number, wanted))
    return render_template("catalog/_page.html", page=page)


@bp.route("/courses/<code>/files/<sha256>")
def file(code: str, sha256: str):
    mod = services.module_by_code(code) or abort(404)
    stored = files.servable_file(mod, sha256, current_user) or abort(404)
    resp = Response(stored.data, mimetype=stored.mime)
    resp.headers["Content-Disposition"] = "inline"
    resp.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if mod.status != "draft" else "private, no-store"
    )
    return resp


# --- authoring ---------------------------------------------------------------------------------


def _editable_or_403(code: str):
    mod = services.module_by_code(code) or abort(404)
    if not services.can_edit(current_user, mod):
        abort(403)
    return mod


def _back(mod, anchor: str = ""):
    return redirect(url_for("catalog.manage", code=mod.code) + anchor)


def _run(action, success: str):
    """Call one service; commit and flash on success, else flash the broken rule; True if done."""
    try:
        action()
    except services.CatalogError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


@bp.route("/authoring")
@roles_required(Role.TRAINER)
def authoring():
    page = paginate(services.authoring_stmt(current_user), per_page=50)
    return render_template("catalog/authoring.html", page=page)


@bp.route("/authoring/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def create():
    form = CreateModuleForm()
    if form.validate_on_submit():
        try:
            mod = services.create_module(current_user, form.code.data, form.title.data.strip())
        except services.CatalogError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The module has been created. Add its summary, outcomes and lessons."), "success")
            return redirect(url_for("catalog.manage", code=mod.code))
    return render_template("catalog/new.html", form=form)


@bp.route("/authoring/<code>")
@roles_required(Role.TRAINER)
def manage(code: str):
    mod = _editable_or_403(code)
    version = services.working_version(mod)
    status, review = rules.translation_status(version), _review_links(mod, version)
    return render_template(
        "catalog/manage.html",
        module=mod,
        version=version,
        status=status,
        review=review,
        complete={lang: rules.is_complete(row) and not review.get(lang) for lang, row in status.items()},
        problems=services.publish_messages(version) if version.is_draft else [],
        confirm=ConfirmForm(),
        move=MoveForm(),
        image_form=ImageForm(),
        share_form=ShareForm(),
        editors=[e.user for e in mod.editors],
        **_labels(),
    )


def _competence_options() -> list[CompetenceOption]:
    return competence_options()


@bp.route("/authoring/<code>/edit", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def edit(code: str):
    mod = _editable_or_403(code)
    lang = _lang_arg()
    version = services.working_version(mod)
    options = _competence_options()
    choices = catalogue.module_choices(exclude=mod.code)
    form: MetadataForm = metadata_form(
        version, lang, options, choices, formdata=request.form if request.method == "POST" else None
    )
    if request.method == "POST" and form.validate_on_submit():
        if _run(
            lambda: editing.update_metadata(mod, current_user, lang, form.data_for_service(), form.outcome_rows()),
            _("The module has been saved."),
        ):
            return redirect(url_for("catalog.edit", code=mod.code, lang=lang))
    competences = fw_services.competences_by_key(
        e.form.competence_key.data for e in form.outcomes if e.form.competence_key.data
    )
    english = {o.competence_key: (o.text or {}).get("en", "") for o in version.outcomes}
    return render_template(
        "catalog/edit.html",
        module=mod,
        version=version,
        form=form,
        lang=lang,
        competences=competences,
        english=english,
        stale=any(":" not in key or key.startswith("outcome:") for key in _stale(version).get(lang, ())),
    )


def _lesson_form_page(mod, version, lesson, lang):
    text = lesson.text_in(lang) if lesson else None
    if request.method == "POST":
        form = LessonForm()
        if lesson is not None and lang != "en":
            form.slug.data = lesson.slug
    else:
        form = LessonForm(
            formdata=None,
            data={
                "slug": lesson.slug if lesson else "",
                "title": text.title if text else "",
                "body": text.body_md if text else "",
            },
        )
    preview = None
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = Markup(markdown.render(form.body.data, files.image_resolver(mod, version)))
        else:
            position = lesson.position if lesson else None
            saved = {}

            def save():
                saved["lesson"] = editing.save_lesson(
                    mod,
                    current_user,
                    position,
                    lang,
                    form.slug.data,
                    form.title.data,
                    form.body.data,
                )

            if _run(save, _("The lesson has been saved.")):
                return redirect(url_for("catalog.edit_lesson", code=mod.code, n=saved["lesson"].position, lang=lang))
    english = lesson.text_in("en") if lesson else None
    return render_template(
        "catalog/lesson_edit.html",
        module=mod,
        version=version,
        lesson=lesson,
        form=form,
        lang=lang,
        preview=preview,
        english=english,
        stale=lesson is not None and f"lesson:{lesson.slug}" in _stale(version).get(lang, ()),
        images=[f.name for f in version.files],
    )


@bp.route("/authoring/<code>/lessons/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def new_lesson(code: str):
    mod = _editable_or_403(code)
    return _lesson_form_page(mod, services.working_version(mod), None, "en")


@bp.route("/authoring/<code>/lessons/<int:n>", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def edit_lesson(code: str, n: int):
    mod = _editable_or_403(code)
    version = services.working_version(mod)
    les = services.lesson_at(version, n) or abort(404)
    return _lesson_form_page(mod, version, les, _lang_arg())


@bp.route("/authoring/<code>/lessons/<int:n>/delete", methods=["POST"])
@roles_required(Role.TRAINER)
def delete_lesson(code: str, n: int):
    mod = _editable_or_403(code)
    services.lesson_at(services.working_version(mod), n) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _run(lambda: editing.delete_lesson(mod, current_user, n), _("The lesson has been deleted."))
    return _back(mod, "#lessons")


@bp.route("/authoring/<code>/lessons/<int:n>/move", methods=["POST"])
@roles_required(Role.TRAINER)
def move_lesson(code: str, n: int):
    mod = _editable_or_403(code)
    services.lesson_at(services.working_version(mod), n) or abort(404)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if form.direction.data == "up" else 1
    _run(
        lambda: editing.move_lesson(mod, current_user, n, step),
        _("The lessons have been reordered."),
    )
    return _back(mod, "#lessons")


@bp.route("/authoring/<code>/images", methods=["POST"])
@roles_required(Role.TRAINER)
def upload_image(code: str):
    mod = _editable_or_403(code)
    form = ImageForm()
    if not form.validate_on_submit():
        for error in form.image.errors or [_("Please choose an image file.")]:
            flash(str(error), "error")
        return _back(mod, "#images")
    upload = form.image.data
    data = upload.stream.read(rules.MAX_IMAGE_BYTES + 1)
    _run(
        lambda: files.add_image(mod, current_user, upload.filename or "", data),
        _(
            "The image has been uploaded. Use it in a lesson as ![description](%(name)s).",
            name=rules.safe_image_name(upload.filename or "", rules.sniff_image(data) or "image/png"),
        ),
    )
    return _back(mod, "#images")


@bp.route("/authoring/<code>/images/<name>/delete", methods=["POST"])
@roles_required(Role.TRAINER)
def delete_image(code: str, name: str):
    mod = _editable_or_403(code)
    services.file_for_name(services.working_version(mod), name) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _run(lambda: files.delete_image(mod, current_user, name), _("The image has been removed."))
    return _back(mod, "#images")


def _question_page(mod, version, question, lang):
    form = question_form(question, lang, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        old_key = question.key if question else None
        correct = list(question.correct) if question else []
        if _run(
            lambda: editing.save_question(mod, current_user, old_key, lang, form.question_data(correct)),
            _("The question has been saved."),
        ):
            return _back(mod, "#quiz")
    english = question.text_in("en") if question else None
    return render_template(
        "catalog/question_edit.html",
        module=mod,
        version=version,
        question=question,
        form=form,
        lang=lang,
        english=english,
        stale=question is not None and f"quiz:{question.key}" in _stale(version).get(lang, ()),
        **_labels(),
    )


@bp.route("/authoring/<code>/questions/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def new_question(code: str):
    mod = _editable_or_403(code)
    return _question_page(mod, services.working_version(mod), None, "en")


@bp.route("/authoring/<code>/questions/<key>", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def edit_question(code: str, key: str):
    mod = _editable_or_403(code)
    version = services.working_version(mod)
    question = services.question_by_key(version, key) or abort(404)
    return _question_page(mod, version, question, _lang_arg())


@bp.route("/authoring/<code>/questions/<key>/delete", methods=["POST"])
@roles_required(Role.TRAINER)
def delete_question(code: str, key: str):
    mod = _editable_or_403(code)
    services.question_by_key(services.working_version(mod), key) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _run(
        lambda: editing.delete_question(mod, current_user, key),
        _("The question has been deleted."),
    )
    return _back(mod, "#quiz")


_ACTIONS = {
    "publish": services.publish,
    "archive": services.archive,
    "restore": services.restore,
    "discard": services.discard_draft,
}


@bp.route("/authoring/<code>/<any(publish, archive, restore, discard):action>", methods=["POST"])
@roles_required(Role.TRAINER)
def status_action(code: str, action: str):
    mod = _editable_or_403(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service = _ACTIONS[action]
    messages = {
        "publish": _("The module has been published."),
        "archive": _("The module has been archived: it no longer appears in the catalogue."),
        "restore": _("The module is back in the catalogue."),
        "discard": _("The draft has been discarded."),
    }
    _run(lambda: service(mod), messages[action])
    return _back(mod)


@bp.route("/authoring/<code>/editors", methods=["POST"])
@roles_required(Role.TRAINER)
def add_editor(code: str):
    mod = _editable_or_403(code)
    form = ShareForm()
    if not form.validate_on_submit():
        for error in form.email.errors or [_("Please enter an e-mail address.")]:
            flash(str(error), "error")
        return _back(mod, "#sharing")
    _run(lambda: services.share(mod, form.email.data), _("The module is now shared."))
    return _back(mod, "#sharing")


@bp.route("/authoring/<code>/editors/<int:user_id>/delete", methods=["POST"])
@roles_required(Role.TRAINER)
def remove_editor(code: str, user_id: int):
    mod = _editable_or_403(code)
    if not any(e.user_id == user_id for e in mod.editors):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _run(lambda: services.unshare(mod, user_id), _("The trainer no longer edits this module."))
    return _back(mod, "#sharing")
