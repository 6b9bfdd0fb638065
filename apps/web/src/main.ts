// First: it must run before any schema is built.
import './lib/zod-jitless.js';
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });

// Keeps the app itself for opening offline (see service-worker.js). Browsers allow this on https
// and on localhost only; elsewhere the app still works, but needs the server to open.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('/service-worker.js').catch((error: unknown) => {
    console.warn('The app will not open offline:', error);
  });
}
