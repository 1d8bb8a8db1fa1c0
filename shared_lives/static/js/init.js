// Mark the page as having JavaScript before it renders (kept out of the HTML so the CSP needs no inline script).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
