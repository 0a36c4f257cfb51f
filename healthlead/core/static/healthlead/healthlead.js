// Progressive enhancement: every page works without this file.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("nhsuk-frontend-supported");
}
initAll();

// Progress bars on background work: poll the status URL and reload when finished.
const progress = document.querySelector("[data-poll-url]");
if (progress) {
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.pollUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        const bar = progress.querySelector("progress");
        if (bar && typeof data.percent === "number") {
          bar.value = data.percent;
          bar.textContent = `${data.percent}%`;
        }
        const label = progress.querySelector("[data-progress-label]");
        if (label && data.label) label.textContent = data.label;
        if (data.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // Network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
