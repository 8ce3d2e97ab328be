// The sample's UI, shared by the bundled app (app.js) and the CDN page (cdn.html).
// `lib` is what the page imported from @tessera/browser (or from the CDN file); `config` comes
// from the page (see serve.mjs).

/** @param {{ createBrowserClient: Function, browserDpop?: Function, browserPopup?: Function }} lib */
export async function start(lib, config) {
  const client = lib.createBrowserClient({
    clientId: config.clientId,
    authority: config.authority,
    redirectUri: location.origin + location.pathname,
    scopes: config.scopes,
    responseMode: config.responseMode,
    // `config.dpop` (a JSON flag) turns on the library's DPoP feature.
    dpop: config.dpop ? lib.browserDpop : undefined,
    cache: config.cache,
    popup: lib.browserPopup,
    // The library's warnings (e.g. IndexedDB unusable: the cache or DPoP key kept in memory) in the console.
    logger: { log: (level, message) => console[level === 'error' ? 'error' : 'warn'](`tessera ${level}: ${message}`) },
    level: 'warning',
  });
  // For the end-to-end tests and for poking around in the console.
  window.sample = { client, config, lib };
  const $ = (id) => document.getElementById(id);
  const request = { scopes: config.scopes };

  const showError = (error) => {
    $('error').textContent = `${error.code ?? error.name}: ${error.message}`;
    $('error').dataset.code = error.code ?? error.name;
  };
  const showToken = (result) => {
    $('error').textContent = '';
    delete $('error').dataset.code;
    $('token').textContent = result.accessToken;
    $('from-cache').textContent = String(result.fromCache);
    $('expires').textContent = result.expiresOn.toISOString();
  };
  const render = async () => {
    const [account] = await client.getAccounts();
    $('status').textContent = account ? `Signed in as ${account.username}` : 'Signed out';
    $('status').dataset.signedIn = String(Boolean(account));
    if (!account) for (const id of ['token', 'from-cache', 'expires']) $(id).textContent = '';
  };
  const run = (work) => async () => {
    try {
      const result = await work();
      if (result) showToken(result);
    } catch (error) {
      showError(error);
    }
    await render();
  };

  $('login-redirect').onclick = run(() => client.loginRedirect(request));
  $('login-popup').onclick = run(() => client.loginPopup(request));
  $('get-token').onclick = run(() => client.acquireTokenSilent(request));
  $('logout').onclick = run(() => client.logoutRedirect());
  client.on('accountRemoved', () => void render());

  try {
    const result = await client.handleRedirect();
    if (result) showToken(result);
  } catch (error) {
    showError(error);
  }
  await render();
  document.body.dataset.ready = 'true';
}
