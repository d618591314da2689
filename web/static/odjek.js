// The only script of the UI: the phone menu toggle, and the filter panel folded on a phone so the results
// follow the search box. Everything else works without JavaScript (the panel is then simply open).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.getElementById("filters");
  if (panel && window.matchMedia("(max-width: 760px)").matches) { panel.removeAttribute("open"); }
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("nav");
  if (!toggle || !nav) { return; }
  toggle.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
