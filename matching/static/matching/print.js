// The "Print" button of the hosting agreement: shown only when scripts run (without them,
// the page says to use the browser's print command). No inline script: CSP allows 'self'.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
