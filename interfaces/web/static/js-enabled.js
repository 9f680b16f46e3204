// GOV.UK Frontend's components style themselves for JavaScript once the body says it is there.
// (A file, not an inline script: the server's Content-Security-Policy allows no inline script.)
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
