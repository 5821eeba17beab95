// The API token and the calls made with it. The token is typed in once per tab and kept in
// this tab's sessionStorage: never a cookie (nothing another site could make the browser send)
// and never the URL (nothing a log or a shared link could carry). Every call sends it as
// `Authorization: Bearer`, to the same read APIs as any other client.

const KEY = "boucle.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

let asking = null;

function signInDialog(message) {
  const dialog = document.createElement("dialog");
  dialog.id = "sign-in";
  const form = document.createElement("form");
  form.method = "dialog";
  const title = document.createElement("h2");
  title.textContent = "Sign in";
  const hint = document.createElement("p");
  hint.textContent = message ||
    "An API token (python -m shared.tokens create); `make up` prints the local demo token.";
  const label = document.createElement("label");
  label.textContent = "API token ";
  const input = document.createElement("input");
  Object.assign(input, { type: "password", name: "token", required: true, autocomplete: "off" });
  label.append(input);
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Sign in";
  form.append(title, hint, label, button);
  dialog.append(form);
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // no data without one
  document.body.append(dialog);
  return { dialog, form, input };
}

// Resolves with the tab's token, asking for one first when there is none.
export function signedIn(message) {
  const token = sessionStorage.getItem(KEY);
  if (token) return Promise.resolve(token);
  if (asking) return asking;
  asking = new Promise((resolve) => {
    const { dialog, form, input } = signInDialog(message);
    form.addEventListener("submit", (event) => {
      event.preventDefault(); // the dialog goes away with its form, no dialog submission
      sessionStorage.setItem(KEY, input.value.trim());
      dialog.remove();
      asking = null;
      resolve(input.value.trim());
    });
    dialog.showModal();
    input.focus();
  });
  return asking;
}

async function messageOf(response) {
  const text = await response.text();
  try {
    const detail = JSON.parse(text).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => `${d.field}: ${d.message}`).join("; ");
    if (detail && detail.message) return detail.message;
  } catch {
    // not JSON: the text itself says it
  }
  return text || response.statusText;
}

// A call to a read API (or a command) with the token; JSON in and out unless `accept` says
// otherwise. A 401 forgets the token and asks for another; other refusals throw ApiError
// with the API's own message.
export async function api(url, { method = "GET", body, headers = {}, accept } = {}) {
  const token = await signedIn();
  const sent = { Authorization: `Bearer ${token}`, Accept: accept || "application/json" };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers: { ...sent, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    signOut();
    await signedIn("That token is unknown or revoked: type another.");
    return api(url, { method, body, headers, accept });
  }
  if (!response.ok) throw new ApiError(response.status, await messageOf(response));
  return accept && accept !== "application/json" ? response.text() : response.json();
}

// A query string of the parameters that have a value.
export function query(params) {
  const given = Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined);
  return new URLSearchParams(given).toString();
}

// What the page needs to know of the stack: its service and where the others are.
export async function stackConfig() {
  const response = await fetch("config.json");
  return response.json();
}

const PAGES = [
  ["attribution", "Attribution"],
  ["feedback", "Feedback"],
  ["collector", "Pipeline"],
];

// The header: links to the three pages (each on the service that owns its data) and sign-out.
export function header(config, current) {
  const nav = document.getElementById("nav");
  for (const [service, title] of PAGES) {
    const link = document.createElement("a");
    link.textContent = title;
    link.href = service === config.service ? "./" : `${config.services[service] || ""}/ui/`;
    if (service === current) link.setAttribute("aria-current", "page");
    nav.append(link);
  }
  document.getElementById("sign-out").addEventListener("click", () => {
    signOut();
    location.reload();
  });
}

// A line under the controls saying what is going on, or what went wrong.
export function status(text, { error = false } = {}) {
  const line = document.getElementById("status");
  line.textContent = text;
  line.classList.toggle("error", error);
}
