// Initialise GOV.UK Frontend. The library's URL comes from a meta tag so that hashed static
// file names keep working; no inline script is needed under the content security policy.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
const url = document.querySelector('meta[name="govuk-frontend-js"]').content;
const { initAll } = await import(url);
initAll();
