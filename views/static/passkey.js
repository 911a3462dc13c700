// Runs the WebAuthn ceremony of each [data-passkey] section with @simplewebauthn/browser, then submits the
// section's form with the authenticator's response. Without WebAuthn (or JavaScript) the section stays hidden
// and the page works with password and codes alone.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '/static/vendor/simplewebauthn/index.js';

for (const section of document.querySelectorAll('[data-passkey]')) {
  if (!browserSupportsWebAuthn()) continue;
  section.hidden = false;
  const form = section.querySelector('form');
  const button = section.querySelector('[data-passkey-start]');
  const status = section.querySelector('[data-passkey-status]');

  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = '';
    try {
      const optionsResponse = await fetch(section.dataset.optionsUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ csrf: form.elements.csrf.value }),
      });
      if (!optionsResponse.ok) throw new Error(`options: HTTP ${optionsResponse.status}`);
      const optionsJSON = await optionsResponse.json();
      const response = section.dataset.passkey === 'register' ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
      form.elements.response.value = JSON.stringify(response);
      form.submit();
    } catch (error) {
      // NotAllowedError: the citizen cancelled or the prompt timed out (WebAuthn L3 §5.1.4.1, §5.1.3).
      const cancelled = error?.name === 'NotAllowedError' || error?.cause?.name === 'NotAllowedError';
      status.textContent = cancelled ? section.dataset.cancelled : section.dataset.failed;
      button.disabled = false;
    }
  });
}
