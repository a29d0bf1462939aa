import { render } from 'preact';
import { api } from './api.js';
import { App } from './components/app.js';
import { loadSession } from './session.js';

void loadSession(api.whoAmI);
const root = document.getElementById('app');
if (root) render(<App />, root);
