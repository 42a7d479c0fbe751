/*
 * Asking: Enter sends the question (Shift+Enter makes a new line), and a pending answer
 * shows how many seconds it has been thinking.
 */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "question-input" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    var button = document.getElementById("ask-button");
    if (button && !button.disabled) button.click();
  });

  setInterval(function () {
    document.querySelectorAll(".elapsed[data-started]").forEach(function (element) {
      var seconds = Math.max(0, Math.round((Date.now() - Date.parse(element.dataset.started)) / 1000));
      element.textContent = seconds + " s";
    });
  }, 1000);
})();
