// The login page's script: posts the user name and password as JSON (the content policy
// forbids plain form posts) and goes to the page on success.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const result = document.getElementById("login-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.className = "result wait";
    result.textContent = K.t("checking");
    const response = await fetch("/api/v1/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({
        user: document.getElementById("login-user").value.trim(),
        password: document.getElementById("login-password").value,
      }),
    });
    document.getElementById("login-password").value = "";
    if (response.ok) {
      window.location.assign("/");
      return;
    }
    const body = await response.json().catch(() => ({}));
    result.className = "result bad";
    result.textContent = K.failure(body);
  });
});
