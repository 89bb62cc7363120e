// UPREST — small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen-reader users hear what to fix.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Select the whole invitation link when it receives focus, ready to copy.
    document.querySelectorAll(".copy-field").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
  });
})();
