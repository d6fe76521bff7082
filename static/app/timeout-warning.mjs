// The GOV.UK timeout warning pattern: before the idle sign-out, a modal dialog says when it
// will happen and offers "Stay signed in" (a POST to the keep-alive address) or "Sign out".
// Escape also keeps the session: closing the warning is a sign the person is still here.
// Tabs of this service share their deadline, so activity in one quietens the others.
const dialog = document.querySelector("[data-app-timeout-warning]");
const GRACE_MS = 3000;

function words(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

function start(dialog) {
  const idle = Number(dialog.dataset.idleSeconds) * 1000;
  const lead = Number(dialog.dataset.warningSeconds) * 1000;
  const countdown = dialog.querySelector("[data-app-timeout-countdown]");
  const announce = dialog.querySelector("[data-app-timeout-announce]");
  const stay = dialog.querySelector("[data-app-timeout-stay]");
  const token = document.querySelector("[data-app-sign-out] [name=csrfmiddlewaretoken]");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("app-session") : null;
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000;
  let warnTimer = null;
  let tickTimer = null;
  let returnFocus = null;
  let lastAnnounced = null;

  let expiring = false;
  function expire() {
    if (expiring) return;
    expiring = true;
    clearInterval(tickTimer);
    clearTimeout(warnTimer);
    // The server signs the session out itself; sign-in brings the person back here. Go a
    // little after the deadline, so this visit is never the activity that keeps it alive.
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    setTimeout(() => window.location.assign(`${dialog.dataset.timeoutUrl}&next=${next}`), GRACE_MS);
  }

  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (left <= 0) {
      expire();
      return;
    }
    const text = words(left);
    countdown.textContent = text;
    // A screen reader hears the time once a minute, then every 15 seconds: not every tick.
    const step = left > 60 ? Math.ceil(left / 60) : Math.ceil(left / 15);
    if (step !== lastAnnounced) {
      lastAnnounced = step;
      announce.textContent = `We will sign you out in ${text}.`;
    }
  }

  function open() {
    if (dialog.open) return;
    returnFocus = document.activeElement;
    lastAnnounced = null;
    tick();
    dialog.showModal();
    stay.focus();
    tickTimer = setInterval(tick, 1000);
  }

  function close() {
    clearInterval(tickTimer);
    announce.textContent = "";
    if (dialog.open) dialog.close();
    if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
    returnFocus = null;
  }

  function schedule() {
    clearTimeout(warnTimer);
    const wait = deadline - lead - Date.now();
    if (wait <= 0) open();
    else warnTimer = setTimeout(check, wait);
  }

  // Timers in a background tab may run late: every wake-up compares with the clock.
  function check() {
    if (Date.now() >= deadline) expire();
    else schedule();
  }

  async function keepAlive() {
    let response;
    try {
      response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": token ? token.value : "" },
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch {
      return; // Offline for a moment: the warning stays open and the button can be tried again.
    }
    if (response.status !== 204) {
      expire(); // Already signed out (a redirect to sign in) or refused.
      return;
    }
    deadline = Date.now() + idle;
    close();
    schedule();
    if (channel) channel.postMessage({ deadline });
  }

  stay.addEventListener("click", keepAlive);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    keepAlive();
  });
  if (channel) {
    channel.addEventListener("message", (event) => {
      const theirs = Number(event.data && event.data.deadline);
      if (theirs > deadline) {
        deadline = theirs;
        close();
        schedule();
      }
    });
    // This page load was activity too: tell the other tabs.
    channel.postMessage({ deadline });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });
  schedule();
}

if (dialog && typeof dialog.showModal === "function") start(dialog);
