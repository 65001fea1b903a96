// Shows allauth's passkey / security-key failures to the person, not only in the console.
// allauth's webauthn.js dispatches an `allauth.error` event on document for every failure
// (cancelled prompt, key already registered, insecure origin…); we write a USWDS error alert
// into the live region that mfa/webauthn/snippets/scripts.html puts on the page.
(function () {
  'use strict'

  var MESSAGES = {
    NotAllowedError: 'The request was cancelled or timed out. Please try again.',
    InvalidStateError: 'This passkey or security key is already registered.',
    SecurityError: 'Your browser blocked the request for security reasons.',
    NotSupportedError: 'Your browser or device does not support passkeys or security keys here.',
    AbortError: 'The request was cancelled. Please try again.'
  }

  function describe (exception) {
    if (!window.PublicKeyCredential) {
      return 'Your browser does not support passkeys or security keys.'
    }
    var name = exception && exception.name
    return MESSAGES[name] || 'Something went wrong with your passkey or security key. Please try again.'
  }

  function show (text) {
    var region = document.getElementById('cophub-webauthn-status')
    if (!region) return
    var alert = document.createElement('div')
    alert.className = 'usa-alert usa-alert--error usa-alert--slim margin-y-2'
    var body = document.createElement('div')
    body.className = 'usa-alert__body'
    var p = document.createElement('p')
    p.className = 'usa-alert__text'
    p.textContent = text
    body.appendChild(p)
    alert.appendChild(body)
    region.replaceChildren(alert)
  }

  document.addEventListener('allauth.error', function (event) {
    var detail = event.detail || {}
    if ((detail.tags || []).indexOf('webauthn') === -1) return
    show(describe(detail.exception))
  })
})()
