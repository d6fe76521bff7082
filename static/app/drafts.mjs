// Keeps what someone types into a form in this tab's sessionStorage, so that words are not
// lost when the session times out before they press the button: after signing in again, the
// same page gets them back. See docs/security.md ("Drafts in the browser") for why
// sessionStorage (gone when the tab closes, cleared on sign-out, kept per user) and never
// localStorage, and why passwords, codes and tokens are never kept.
const script = document.querySelector("script[data-app-drafts]");
const PREFIX = "app-draft:";
// Nothing outlives the session's absolute limit (12 hours).
const MAX_AGE_MS = 12 * 60 * 60 * 1000;
const SECRET_NAME = /(password|token|otp|secret|csrf)/i;
const SECRET_AUTOCOMPLETE = new Set(["current-password", "new-password", "one-time-code"]);
const SKIPPED_TYPES = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // Storage switched off: nothing is kept, nothing breaks.
  }
}

function kept(field) {
  if (!field.name || field.disabled) return false;
  if (SKIPPED_TYPES.has(field.type)) return false;
  if (SECRET_NAME.test(field.name)) return false;
  const autocomplete = (field.getAttribute("autocomplete") || "").toLowerCase();
  return !SECRET_AUTOCOMPLETE.has(autocomplete);
}

function fieldsOf(form) {
  return [...form.elements].filter(
    (field) => ["INPUT", "TEXTAREA", "SELECT"].includes(field.tagName) && kept(field),
  );
}

function eligible(form) {
  return (
    (form.getAttribute("method") || "").toLowerCase() === "post" &&
    !form.hasAttribute("data-app-sign-out") &&
    !form.hasAttribute("data-app-no-draft") &&
    !form.querySelector('input[type="password"]') &&
    fieldsOf(form).some((field) => field.tagName === "TEXTAREA" || field.type === "text")
  );
}

function read(form) {
  const values = {};
  for (const field of fieldsOf(form)) {
    if (field.type === "checkbox" || field.type === "radio") {
      values[field.name] ??= [];
      if (field.checked) values[field.name].push(field.value);
    } else if (field.tagName === "SELECT" && field.multiple) {
      values[field.name] = [...field.selectedOptions].map((option) => option.value);
    } else {
      // Same-named text fields (a date's parts have their own names) keep their order.
      values[field.name] ??= [];
      values[field.name].push(field.value);
    }
  }
  return values;
}

function untouched(field) {
  if (field.type === "checkbox" || field.type === "radio") {
    return field.checked === field.defaultChecked;
  }
  if (field.tagName === "SELECT") {
    return [...field.options].every((option) => option.selected === option.defaultSelected);
  }
  return field.value === field.defaultValue;
}

// Puts a draft back, unless the person has already started changing this page's fields
// (their new typing wins). After an error the server sends back what was posted, which is
// the draft itself, so nothing changes and no banner shows. Returns whether anything was put
// back.
function restore(form, values) {
  const fields = fieldsOf(form);
  if (!fields.every(untouched)) return false;
  const changed = new Set();
  const seen = {};
  for (const field of fields) {
    const saved = values[field.name];
    if (!Array.isArray(saved)) continue;
    if (field.type === "checkbox" || field.type === "radio") {
      const want = saved.includes(field.value);
      if (want !== field.checked) {
        field.checked = want;
        changed.add(field);
      }
    } else if (field.tagName === "SELECT") {
      for (const option of field.options) {
        const want = saved.includes(option.value);
        if (want !== option.selected) {
          option.selected = want;
          changed.add(field);
        }
      }
    } else {
      const index = (seen[field.name] = (seen[field.name] ?? -1) + 1);
      const value = saved[index];
      if (typeof value === "string" && value !== field.value) {
        field.value = value;
        changed.add(field);
      }
    }
  }
  // Components that follow their field (the character count, conditional reveals) update.
  for (const field of changed) {
    field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
    if (field.type === "checkbox" || field.type === "radio") {
      field.dispatchEvent(new Event("click", { bubbles: true }));
    }
  }
  return changed.size > 0;
}

function banner(onDiscard) {
  const main = document.querySelector("main");
  if (!main || document.querySelector("[data-app-draft-banner]")) return;
  const div = document.createElement("div");
  div.className = "govuk-notification-banner";
  div.setAttribute("role", "region");
  div.setAttribute("aria-labelledby", "app-draft-banner-title");
  div.dataset.appDraftBanner = "";
  div.innerHTML = `
    <div class="govuk-notification-banner__header">
      <h2 class="govuk-notification-banner__title" id="app-draft-banner-title">Important</h2>
    </div>
    <div class="govuk-notification-banner__content">
      <p class="govuk-notification-banner__heading">We have put back what you typed on this page earlier.</p>
      <p class="govuk-body">It has not been saved yet: check it before you continue.</p>
      <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Remove what was put back</button>
    </div>`;
  div.querySelector("button").addEventListener("click", () => {
    onDiscard();
    div.remove();
  });
  main.prepend(div);
}

function load(store, key) {
  try {
    return JSON.parse(store.getItem(key));
  } catch {
    return null;
  }
}

function start(store) {
  const owner = script.dataset.owner;
  const session = script.dataset.session;
  const mine = `${PREFIX}${owner}:`;
  const path = window.location.pathname;
  const hasErrors = Boolean(document.querySelector(".govuk-error-summary"));

  // Tidy up first: another person's drafts in this tab, old ones, and ones sent successfully.
  for (const key of Object.keys(store)) {
    if (!key.startsWith(PREFIX)) continue;
    const draft = load(store, key);
    if (!key.startsWith(mine) || !draft || Date.now() - draft.savedAt > MAX_AGE_MS) {
      store.removeItem(key);
    } else if (draft.session !== session) {
      // Sent, or left, in a session that has since ended: it never arrived. Keep it.
      draft.session = session;
      draft.submitted = false;
      store.setItem(key, JSON.stringify(draft));
    } else if (draft.submitted) {
      if (draft.path === path && hasErrors) {
        draft.submitted = false; // The server sent the form back with errors: still typing.
        store.setItem(key, JSON.stringify(draft));
      } else {
        store.removeItem(key); // Accepted: the draft has done its job.
      }
    }
  }

  const forms = [...document.querySelectorAll("form")].filter(eligible);
  forms.forEach((form, index) => {
    const key = `${mine}${path}#${index}`;
    const save = (submitted) => {
      store.setItem(
        key,
        JSON.stringify({ path, session, submitted, savedAt: Date.now(), values: read(form) }),
      );
    };
    const draft = load(store, key);
    if (draft && !draft.submitted && restore(form, draft.values)) {
      banner(() => {
        form.reset();
        store.removeItem(key);
      });
    }
    let timer = null;
    const typed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => save(false), 300);
    };
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", () => {
      clearTimeout(timer);
      save(true);
    });
  });

  // Signing out on purpose ends every draft of this tab.
  for (const form of document.querySelectorAll("form[data-app-sign-out]")) {
    form.addEventListener("submit", () => {
      for (const key of Object.keys(store)) {
        if (key.startsWith(PREFIX)) store.removeItem(key);
      }
    });
  }
}

const store = storage();
if (script && store) start(store);
