// The sample SPA as an app would write it with a bundler: named imports only, so the bundle
// carries redirect/popup sign-in, silent acquisition and the IndexedDB cache, and nothing else.
import { createBrowserClient } from '@tessera/browser';
import { start } from './ui.js';

const config = JSON.parse(document.getElementById('tessera-config').textContent);
start({ createBrowserClient }, config);
