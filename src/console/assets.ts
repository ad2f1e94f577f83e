/**
 * The console's stylesheet and its one script, served from the console's own path (the CSP
 * allows styles and scripts from self only, none inline). Every page works without the script:
 * it only adds copy buttons and moves focus to the list of errors after a refused form.
 * Colours are fixed (not the system's) so that every text meets 4.5:1 against its background.
 */
export const CONSOLE_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; font-size: 1rem; line-height: 1.5; background: #ffffff; color: #1a1a1a; }
a { color: #1f4fa3; }
a:hover { color: #153a7a; }
:focus-visible { outline: 3px solid #1f4fa3; outline-offset: 2px; }
.skip { position: absolute; left: -10000px; top: 0; background: #ffffff; padding: 0.5rem 1rem; }
.skip:focus { left: 0.5rem; top: 0.5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.75rem 1rem; border-bottom: 1px solid #8a8a8a; background: #f3f5f9; }
.brand { margin: 0; font-weight: 700; font-size: 1.1rem; }
.brand a { color: #1a1a1a; text-decoration: none; }
nav ul, ul.sections { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
p.language { margin: 0 0 0 auto; }
form.sign-out { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
form.sign-out button { margin: 0; }
.who { color: #3d3d3d; overflow-wrap: anywhere; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
ul.sections { margin: 0.5rem 0 1rem; }
fieldset { border: 1px solid #8a8a8a; border-radius: 6px; margin: 1rem 0; padding: 0.5rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 0.25rem; }
.field { margin: 1rem 0; }
.field label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.field.check { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 0.5rem; align-items: start; }
.field.check label { font-weight: 400; margin: 0; }
.field.check input { margin-top: 0.3rem; width: 1.1rem; height: 1.1rem; }
.field.check .hint, .field.check .field-error { grid-column: 2; }
input[type=text], input[type=email], input[type=password], input[type=url], select, textarea { width: 100%; max-width: 32rem; padding: 0.5rem; font: inherit; color: #1a1a1a; background: #ffffff; border: 1px solid #595959; border-radius: 4px; }
.invalid input, .invalid select, .invalid textarea { border: 2px solid #b3261e; }
.hint { margin: 0 0 0.25rem; color: #3d3d3d; }
.field-error { margin: 0 0 0.25rem; color: #b3261e; font-weight: 600; }
button, a.button { display: inline-block; margin: 0.5rem 0; padding: 0.55rem 1rem; font: inherit; font-weight: 600; border-radius: 4px; border: 2px solid #1f4fa3; background: #1f4fa3; color: #ffffff; cursor: pointer; text-decoration: none; }
button.secondary { background: #ffffff; color: #1f4fa3; }
button.danger { background: #ffffff; color: #a1221b; border-color: #a1221b; }
button:hover, a.button:hover { background: #153a7a; border-color: #153a7a; color: #ffffff; }
form.action { display: inline-block; margin-right: 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: end; }
.filters .field { flex: 1 1 12rem; margin: 0.5rem 0; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #b0b0b0; vertical-align: top; }
code { font-family: ui-monospace, monospace; font-size: 0.95em; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: minmax(8rem, auto) 1fr; gap: 0.3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.notice { padding: 0.5rem 1rem; border-left: 4px solid #1f6b3a; background: #eef7f0; color: #14532b; font-weight: 600; }
.error { color: #b3261e; font-weight: 600; }
.error-summary { border: 3px solid #b3261e; padding: 0.5rem 1rem; margin: 1rem 0; }
.error-summary h2 { margin-top: 0.5rem; color: #b3261e; }
.error-summary a { color: #b3261e; font-weight: 600; }
.secret { border: 2px solid #1f4fa3; padding: 0.5rem 1rem; margin: 1rem 0; }
.copy code { padding: 0.2rem 0.4rem; background: #f3f5f9; border: 1px solid #b0b0b0; border-radius: 4px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
@media (max-width: 30rem) { p.language { margin-left: 0; } dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.5rem; } }
`;

export const CONSOLE_JS = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute('data-copied');
      });
    });
  });
});
`;
