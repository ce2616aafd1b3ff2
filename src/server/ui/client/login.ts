// Browser side of the login page: posts the user name and password to /api/login (which sets the session and CSRF
// cookies) and goes on to the page that sent the user here.
import { api, byId, showError } from './common.js';

const form = byId<HTMLFormElement>('login');
const error = byId('login-error');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  const button = form.querySelector('button')!;
  button.disabled = true;
  try {
    await api('/api/login', { json: { user: String(data.get('user')), password: String(data.get('password')) } });
    location.assign(form.dataset.next || '/');
  } catch (err) {
    showError(error, err);
    byId<HTMLInputElement>('password').select();
  } finally {
    button.disabled = false;
  }
});
