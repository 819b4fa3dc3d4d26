// The dashboard's only script. Inside Telegram it (1) copies Telegram's theme colours into CSS
// variables, (2) posts the Mini App's initData, exactly as Telegram gave it, to the page for the
// server to check, and (3) loads Telegram's own telegram-web-app.js to tell the app it is ready.
// Every page works without it: outside Telegram nothing here runs.
(function () {
  "use strict";
  var hash = new URLSearchParams(window.location.hash.slice(1));
  var initData = hash.get("tgWebAppData");
  var theme = hash.get("tgWebAppThemeParams");
  try {
    if (theme) { window.sessionStorage.setItem("tgTheme", theme); }
    theme = theme || window.sessionStorage.getItem("tgTheme");
  } catch (e) { /* storage refused: the theme is only cosmetic */ }

  function applyTheme(params) {
    var root = document.documentElement;
    root.classList.add("tg");
    Object.keys(params).forEach(function (key) {
      root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), String(params[key]));
    });
  }

  if (theme) {
    try { applyTheme(JSON.parse(theme)); } catch (e) { /* malformed: keep the light theme */ }
    var script = document.createElement("script");
    script.src = "https://telegram.org/js/telegram-web-app.js";
    script.onload = function () {
      var app = window.Telegram && window.Telegram.WebApp;
      if (app) { app.ready(); app.expand(); }
    };
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("signin");
    if (form && initData) {
      form.elements.init_data.value = initData;
      form.submit();
    }
  });
})();
