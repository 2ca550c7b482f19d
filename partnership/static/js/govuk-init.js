// Starts GOV.UK Frontend's components (the menu that collapses on a phone, the error summary that
// takes focus, checkboxes that reveal more). A module script: browsers too old for modules never
// run it and get the pages without these enhancements. The class names are the ones GOV.UK
// Frontend's own page template sets with an inline script, which our Content-Security-Policy
// does not allow.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
