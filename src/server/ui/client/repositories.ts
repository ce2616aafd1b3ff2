// Browser side of the repositories page: "Check now" starts a check of a repository (admin scope) and opens its run.
import { api, showError } from './common.js';

for (const b of document.querySelectorAll<HTMLButtonElement>('button.check-now')) {
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const name = encodeURIComponent(b.dataset.repository!);
      const { run } = await api<{ run: { id: string } }>(`/api/repositories/${name}/check`, { json: {} });
      location.assign(`/runs/${encodeURIComponent(run.id)}`);
    } catch (e) {
      showError(document.getElementById('check-error')!, e);
      b.disabled = false;
    }
  });
}
