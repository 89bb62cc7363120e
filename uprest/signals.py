"""Events that cross features, as Flask signals (blinker).

The sender does not know who listens. Receivers are declared by their feature
(``Feature.receivers`` in ``uprest/registry.py``) and connected when the app is
created. Rules for receivers:

* a receiver is a module-level function (blinker keeps weak references: a
  closure connected inside ``create_app`` would silently disappear);
* it runs inside the sender's transaction: it may add and ``flush()``, it never
  commits or rolls back (the request or CLI command that sent the event commits
  once, so a rolled-back action leaves no trace of its events either);
* it takes the sender (the app) and keyword arguments only.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A learner submitted a skills-gap assessment. kwargs: ``user``, ``run`` (the submitted run).
assessment_submitted = _signals.signal("assessment-submitted")

#: A learner completed a course module. kwargs: ``user``, ``module``, ``enrolment``.
module_completed = _signals.signal("module-completed")

#: A certificate was issued. kwargs: ``user``, ``certificate``.
certificate_issued = _signals.signal("certificate-issued")

#: A participant's attendance of a local session was recorded. kwargs: ``user``, ``session``, ``module`` (the
#: session's module, or None for a stand-alone event) and ``marked_by`` (the trainer; None for a QR check-in).
session_attended = _signals.signal("session-attended")

SIGNALS = {
    "assessment_submitted": assessment_submitted,
    "module_completed": module_completed,
    "certificate_issued": certificate_issued,
    "session_attended": session_attended,
}
