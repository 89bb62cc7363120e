"""Bench scenarios of learning (issue 12): the home page (dashboard cards) of a learner with 20 enrolments,
their "My learning" page and one module page, and marking a lesson read under load.

Marking read is a POST with the session's CSRF token (bench/run.py, bench/post.lua) rotating over lessons
the bench learner has read already: the realistic "double submit" path (the unique row exists, the service
returns False; the enrolment's last activity is still written and committed). The learner's state does not
change from run to run, so runs compare.

Data (added once, kept by later runs): the bench learner is enrolled in the 20 first published modules with
varied progress (two completed, three with every lesson read and a failed quiz attempt, one with an open
attempt, the others 0 to all-but-one lessons read) and has a learning plan; 2,000 other learners have 1-3
enrolments each with some lessons read (bulk inserted).
"""

SCENARIOS = [
    ("learning: dashboard, 20 enrolments", "/", True),
    ("learning: my learning", "/learn", True),
    ("learning: module page", "/learn/{learning_code}", True),
    ("learning: lesson read again (POST)", "POST {learning_read_paths}", True),
]

ENROLMENTS = 20
OTHER_LEARNERS = 2000
BENCH_EMAIL = "bench0@bench.example"


def seed(app, db):
    """At least ENROLMENTS published modules; the bench learner's enrolments; other learners' enrolments."""
    from uprest.accounts.models import User

    with app.test_request_context("/"):
        modules = _published_modules(db)
        if len(modules) < ENROLMENTS:
            _add_synthetic_modules(db, ENROLMENTS - len(modules))
            modules = _published_modules(db)
        user = db.session.scalar(db.select(User).where(User.email == BENCH_EMAIL))
        mine = _bench_learner(db, user, modules[:ENROLMENTS])
        _other_learners(db, user, modules)
    return mine


def _published_modules(db):
    from uprest.catalog.models import Module

    return list(
        db.session.scalars(
            db.select(Module)
            .where(Module.status == "published", Module.published_version_id.is_not(None))
            .order_by(Module.id)
        )
    )


def _add_synthetic_modules(db, count):
    """Published modules made as a trainer makes them in the browser (as tests/factories.py make_module)."""
    from uprest.accounts.models import User
    from uprest.catalog import editing, services
    from uprest.catalog.editing import OutcomeRow, QuestionData
    from uprest.security import hash_password

    owner = db.session.scalar(db.select(User).where(User.email == "bench-trainer@bench.example"))
    if owner is None:
        owner = User(
            email="bench-trainer@bench.example",
            name="Bench Trainer",
            password_hash=hash_password("bench-password-2026"),
            role="trainer",
        )
        db.session.add(owner)
        db.session.flush()
    for n in range(count):
        code = f"bench-learning-{n:03d}"
        if services.module_by_code(code) is not None:
            continue
        module = services.create_module(owner, code, f"Bench module {n}")
        editing.update_metadata(
            module,
            owner,
            "en",
            {
                "title": f"Bench module {n}",
                "summary": f"A synthetic module for the learning bench ({n}).",
                "quality_assurance": "Peer reviewed.",
                "provider": "Bench",
                "workload_hours": 2 + n % 5,
                "ects": None,
                "eqf_level": 3,
                "participation": "online",
                "assessment_type": "quiz",
                "prerequisites": [],
                "pass_mark": 60,
                "max_attempts": 0,
                "shuffle": False,
            },
            [OutcomeRow("digcomp:1.1", 1, 2, "Find things.")],
        )
        for k in range(1, 5):
            editing.save_lesson(module, owner, None, "en", f"lesson-{k}", f"Lesson {k}", f"Text of lesson {k}.")
        editing.save_question(
            module, owner, None, "en", QuestionData("q1", "single", "Pick", ["Yes", "No"], [True, False], "Yes.")
        )
        services.publish(module)
        db.session.commit()


def _answers(version, right):
    """Answers to every question of the version: all right, or all wrong (the stored choice order)."""
    out = {}
    for q in version.questions:
        correct = [i for i, flag in enumerate(q.correct) if flag]
        wrong = [i for i, flag in enumerate(q.correct) if not flag]
        out[q.key] = correct if right else (wrong[:1] if wrong else [])
    return out


def _bench_learner(db, user, modules):
    """Enrol the bench learner in `modules` with varied progress (once); the module page and POST paths."""
    from uprest.learning import quizzes, services
    from uprest.learning.models import Enrolment
    from uprest.recommendations import services as plans

    have = db.session.scalar(db.select(db.func.count(Enrolment.id)).where(Enrolment.user_id == user.id))
    if not have:
        for i, module in enumerate(modules):
            enrolment, _created = services.enrol(user, module)
            lessons = list(enrolment.version.lessons)
            has_quiz = enrolment.version.has_quiz and bool(enrolment.version.questions)
            if i < 5:  # every lesson read: 0, 1 completed (quiz passed), 2-4 a failed attempt, 4 also an open one
                to_read = len(lessons)
            else:  # 0 to all but one lessons read
                to_read = (i - 5) % max(len(lessons), 1)
            for lesson in lessons[:to_read]:
                services.open_lesson(enrolment, lesson)
                services.mark_read(enrolment, lesson)
            if has_quiz and i < 5:
                attempt, _ = quizzes.start_attempt(enrolment)
                quizzes.submit(enrolment, attempt.number, _answers(enrolment.version, right=i < 2))
                if i == 4 and quizzes.can_start(enrolment) is None:
                    attempt, _ = quizzes.start_attempt(enrolment)
                    quizzes.save_draft(
                        enrolment, attempt.number, dict(list(_answers(enrolment.version, True).items())[:1])
                    )
            if i < 2:
                if enrolment.version.requires_attendance:
                    services.mark_attendance(enrolment, None)
                services.complete_if_done(enrolment)
            db.session.commit()
        path = plans.recommended_path(user)
        if path is not None and plans.plan_of(user) is None:
            plans.accept(user, path.codes)
        db.session.commit()

    enrolments = services.enrolments_of(user)
    by_id = sorted(enrolments, key=lambda e: e.id)
    paths = []
    for e in by_id:
        if e.is_completed:
            continue
        read = {p.lesson_id for p in e.lessons_read}
        paths += [f"/learn/{e.module.code}/lessons/{le.position}/read" for le in e.version.lessons if le.id in read]
    page = next((e for e in by_id if not e.is_completed and e.attempts), by_id[0])
    print(
        f"learning: bench learner has {len(enrolments)} enrolments "
        f"({sum(e.is_completed for e in enrolments)} completed); {len(paths)} lessons read to post again"
    )
    return {"learning_code": page.module.code, "learning_read_paths": ",".join(paths)}


def _other_learners(db, bench_user, modules):
    """OTHER_LEARNERS other learners with 1-3 enrolments each and some lessons read (bulk inserts, once)."""
    import uuid
    from datetime import timedelta

    from uprest.accounts.models import User
    from uprest.catalog.models import Lesson
    from uprest.extensions import utcnow
    from uprest.learning.models import Enrolment, LessonProgress

    others = db.session.scalar(db.select(db.func.count(Enrolment.id)).where(Enrolment.user_id != bench_user.id))
    if others:
        return
    user_ids = list(
        db.session.scalars(
            db.select(User.id)
            .where(User.id != bench_user.id, User.role == "learner")
            .order_by(User.id)
            .limit(OTHER_LEARNERS)
        )
    )
    lessons: dict[int, list[int]] = {}
    for version_id, lesson_id in db.session.execute(
        db.select(Lesson.version_id, Lesson.id)
        .where(Lesson.version_id.in_([m.published_version_id for m in modules]))
        .order_by(Lesson.version_id, Lesson.position)
    ):
        lessons.setdefault(version_id, []).append(lesson_id)
    now = utcnow()
    rows, reads = [], {}
    for k, user_id in enumerate(user_ids):
        for j in range(1 + k % 3):
            module = modules[(k * 7 + j * 31) % len(modules)]
            ids = lessons.get(module.published_version_id, [])
            n_read = (k + j) % (len(ids) + 1)
            done = n_read == len(ids) and k % 4 == 0
            when = now - timedelta(hours=(k * 13 + j * 5) % 2000)
            rows.append(
                {
                    "registration": str(uuid.uuid4()),
                    "user_id": user_id,
                    "module_id": module.id,
                    "module_version_id": module.published_version_id,
                    "status": "completed" if done else "active",
                    "enrolled_at": when - timedelta(days=7),
                    "last_active_at": when,
                    "last_lesson": n_read or None,
                    "completed_at": when if done else None,
                }
            )
            reads[(user_id, module.id)] = (ids[:n_read], when)
    for start in range(0, len(rows), 2000):
        db.session.execute(db.insert(Enrolment), rows[start : start + 2000])
    enrolled = db.session.execute(
        db.select(Enrolment.id, Enrolment.user_id, Enrolment.module_id).where(Enrolment.user_id.in_(user_ids))
    )
    progress = [
        {"enrolment_id": eid, "lesson_id": lesson_id, "read_at": reads[(uid, mid)][1]}
        for eid, uid, mid in enrolled
        for lesson_id in reads[(uid, mid)][0]
    ]
    for start in range(0, len(progress), 5000):
        db.session.execute(db.insert(LessonProgress), progress[start : start + 5000])
    db.session.commit()
    print(f"learning: {len(user_ids)} other learners, {len(rows)} enrolments, {len(progress)} lessons read")
