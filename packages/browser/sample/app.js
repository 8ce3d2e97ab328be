// The sample SPA as an app would write it with a bundler: named imports only, so the bundle
// carries redirect and popup sign-in, silent acquisition, the IndexedDB cache and DPoP (which
// the end-to-end tests turn on), and nothing else.
import { browserDpop, browserPopup, createBrowserClient } from '@tessera/browser';
import { start } from './ui.js';

const config = JSON.parse(document.getElementById('tessera-config').textContent);
start({ createBrowserClient, browserDpop, browserPopup }, config);
