// The historical import runs while the page waits for the server. Once a file is chosen
// and the form is sent, show the "Importing" status and stop a second submission.
const form = document.querySelector("[data-import-form]");
if (form) {
  form.addEventListener("submit", (event) => {
    const input = form.querySelector('input[type="file"]');
    const progress = form.querySelector("[data-import-progress]");
    const button = form.querySelector("[data-import-button]");
    if (button.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      return;
    }
    if (!input || input.files.length === 0) {
      return;
    }
    progress.hidden = false;
    button.setAttribute("aria-disabled", "true");
    button.classList.add("govuk-button--disabled");
    button.textContent = "Importing…";
  });
}
