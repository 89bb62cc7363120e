"""Bench scenarios of the catalogue: 200 published modules (the real 12 and copies of them)."""

SCENARIOS = [
    ("catalogue page (200 modules)", "/courses", True),
    ("catalogue page 5 of 10", "/courses?page=5", True),
    ("catalogue search + filters", "/courses?q=data&participation=online", True),
    ("catalogue, not logged in", "/courses", False),
    ("module page", "/courses/{module_code}", True),
    ("lesson page", "/courses/{module_code}/lessons/1", True),
    ("modules API, page 1", "/api/v1/modules", False),
]

TOTAL = 200


def seed(app, db):
    """Import courses/ and, from a generated folder, copies of its modules up to TOTAL modules."""
    import re
    import shutil
    from pathlib import Path

    from uprest.catalog.loader import import_modules
    from uprest.catalog.models import Module

    root = Path(app.root_path).parent
    import_modules(root / "courses")
    db.session.commit()
    have = db.session.scalar(db.select(db.func.count(Module.id)))
    if have < TOTAL:
        out = root / "bench" / "out" / "modules-200"
        shutil.rmtree(out, ignore_errors=True)
        originals = sorted(p for p in (root / "courses" / "modules").iterdir() if (p / "module.yaml").exists())
        n = 0
        while have + n < TOTAL:
            src = originals[n % len(originals)]
            code = f"{src.name}-copy-{n:03d}"
            dst = out / "modules" / code
            shutil.copytree(src, dst)
            text = (dst / "module.yaml").read_text(encoding="utf-8")
            text = re.sub(r"^code: .*$", f"code: {code}", text, count=1, flags=re.M)
            text = re.sub(r"^prerequisites:.*?(?=^\\w)", "prerequisites: []\n", text, count=1, flags=re.M | re.S)
            (dst / "module.yaml").write_text(text, encoding="utf-8")
            n += 1
        report = import_modules(out)
        db.session.commit()
        assert not report.refused, [(r.file, r.errors[:2]) for r in report.results if r.status == "refused"]
    return {"module_code": "digital-tools"}
