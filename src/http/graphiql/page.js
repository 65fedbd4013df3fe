/* GraphiQL for one Ordergraph endpoint, served by the server itself (no CDN): React, ReactDOM and GraphiQL are
 * the UMD builds of the npm packages. The endpoint wants `Authorization: Bearer <token>`: the token field keeps
 * the token in this tab (sessionStorage) and adds the header to every request GraphiQL sends. */
/* global React, ReactDOM, GraphiQL */
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');
  var storageKey = 'ordergraph:token:' + endpoint;
  var input = document.getElementById('token');
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
    render();
  });
  render();
})();
