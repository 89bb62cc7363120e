// UPREST — saves a quiz attempt's answers as the learner gives them, so that a closed browser loses nothing.
// Without this file the "Save and continue later" button does the same.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("quiz-form");
    var status = document.getElementById("autosave-status");
    if (!form || !form.dataset.autosave || !window.fetch) { return; }
    var pending = null;
    var submitting = false;
    function save() {
      pending = null;
      if (submitting) { return; }
      fetch(form.dataset.autosave, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) {
          if (status && data.message) { status.textContent = data.message; }
          if (response.status === 409) { window.location.reload(); }
        });
      }).catch(function () { /* offline: the next change or the buttons save again */ });
    }
    // The buttons post every answer themselves: no save may come after them.
    form.addEventListener("submit", function () {
      submitting = true;
      if (pending) { window.clearTimeout(pending); pending = null; }
    });
    form.addEventListener("change", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(save, 300);
    });
  });
})();
