/* GraphiQL for one Ordergraph endpoint, served by the server itself (no CDN): React, ReactDOM and GraphiQL are
 * the UMD builds of the npm packages. The endpoint wants `Authorization: Bearer <token>`: the token field adds
 * that header to every request GraphiQL sends. A token pasted there is kept in this tab (sessionStorage); without
 * one, a person signed in to the dashboard gets a short-lived token of their own in the field (graphiql-token.ts). */
/* global React, ReactDOM, GraphiQL */
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');
  var sessionTokenUrl = root.getAttribute('data-session-token');
  var storageKey = 'ordergraph:token:' + endpoint;
  var input = document.getElementById('token');
  var note = document.getElementById('token-note');
  input.value = sessionStorage.getItem(storageKey) || '';

  function fetcher(params, options) {
    var headers = Object.assign({ 'Content-Type': 'application/json', Accept: 'application/json' }, (options && options.headers) || {});
    var token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (token && !headers.Authorization && !headers.authorization) headers.Authorization = 'Bearer ' + token;
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'same-origin' }).then(function (r) {
      return r.json();
    });
  }

  var generation = 0;
  function render() {
    generation += 1;
    // A new key makes GraphiQL fetch the schema again, now with the token.
    ReactDOM.render(React.createElement(GraphiQL, { key: generation, fetcher: fetcher, shouldPersistHeaders: false }), root);
  }

  document.getElementById('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(storageKey, input.value.trim());
    note.textContent = '';
    render();
  });

  /** The dashboard session's token, when there is one and no token was pasted in this tab. */
  function fromSession(s) {
    if (!s || !s.signedIn || input.value) return;
    input.value = s.access_token;
    note.textContent =
      'Signed in to the dashboard as ' + s.email + ' (' + s.organization + '): the token above is yours for ' +
      Math.round(s.expires_in / 60) + ' minutes (scopes: ' + s.scopes.join(' ') + '); reload the page for a new one.';
  }

  if (sessionTokenUrl && !input.value) {
    fetch(sessionTokenUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.ok ? r.json() : undefined;
      })
      .then(fromSession, function () {})
      .then(render);
  } else {
    render();
  }
})();
