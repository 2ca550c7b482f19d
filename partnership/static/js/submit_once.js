/* The one-time key of a creating form ({% submit_once %}, partnership/pages.py) through the back
   button. Going back to a form the browser asks the server for the page again, so it comes with a
   new key, and then puts back what had been typed: sent again, it would make the record twice.
   So each form's key is remembered (for this tab) when it is sent, and when the page is reached
   with the back or forward button and the browser has put the typed values back, the form gets
   the key it was sent with: the server then shows what the first send made. A form the browser
   left blank keeps its new key. */
(function () {
  "use strict";

  var FIELD = "submit_once";
  if (!window.sessionStorage) { return; }

  function keyed() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return form.elements[FIELD] !== undefined;
    });
  }

  // Which form of the page it is: the same on the page drawn again.
  function slot(form) {
    return "submit-once:" + window.location.pathname + window.location.search + ":" +
      (form.getAttribute("action") || "") + ":" + keyed().indexOf(form);
  }

  function typedIn(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.value !== field.defaultValue;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.elements[FIELD] !== undefined) {
      try { window.sessionStorage.setItem(slot(form), form.elements[FIELD].value); } catch (e) { /* full */ }
    }
  }, true);

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { return; }  // the page itself kept (its key with it)
    var entries = window.performance && window.performance.getEntriesByType ?
      window.performance.getEntriesByType("navigation") : [];
    if (!entries.length || entries[0].type !== "back_forward") { return; }
    keyed().forEach(function (form) {
      var sent = window.sessionStorage.getItem(slot(form));
      if (sent && typedIn(form)) { form.elements[FIELD].value = sent; }
    });
  });
}());
