// Browser side of the restore dialog: a snapshot, the parts (database and/or files), the target app (this one or
// another in the same repository), and the target's ID typed to confirm before its live data is replaced.
import { api, byId, h, showError } from './common.js';

interface Snap {
  id: string;
  time: string;
  label: string;
  note: string | null;
}

let from = '';
let base = '';

const dialog = () => byId<HTMLDialogElement>('restore-dialog');

function updateConfirm(): void {
  const into = byId<HTMLSelectElement>('r-into').value;
  const typed = byId<HTMLInputElement>('r-confirm').value.trim();
  const parts = (document.querySelector('input[name=parts]:checked') as HTMLInputElement).value;
  const what = parts === 'db' ? 'databases' : parts === 'files' ? 'files' : 'databases and files';
  byId('r-warning').textContent =
    `This replaces the ${what} of app ${into} with the snapshot's` +
    `${into === from ? '' : ` (taken from app ${from})`}. Type ${into} below to confirm.`;
  byId<HTMLInputElement>('r-confirm').placeholder = into;
  byId<HTMLButtonElement>('r-go').disabled = typed !== into;
}

/** Fills the dialog's choices; `targets` are the apps sharing this app's repository (this one first). */
export function setupRestore(app: string, apiBase: string, snapshots: Snap[], targets: string[]): void {
  from = app;
  base = apiBase;
  byId('r-snapshot').replaceChildren(
    ...snapshots.map((s) =>
      h('option', { value: s.id }, `${new Date(s.time).toLocaleString()} · ${s.label}${s.note ? ` · ${s.note}` : ''}`),
    ),
  );
  const ordered = [app, ...targets.filter((t) => t !== app)];
  byId('r-into').replaceChildren(...ordered.map((t) => h('option', { value: t }, t === app ? `${t} (this app)` : t)));
  const form = byId<HTMLFormElement>('restore');
  form.addEventListener('input', updateConfirm);
  form.addEventListener('change', updateConfirm);
  byId('r-cancel').addEventListener('click', () => dialog().close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = byId('restore-error');
    error.hidden = true;
    const data = new FormData(form);
    const into = String(data.get('into'));
    const go = byId<HTMLButtonElement>('r-go');
    go.disabled = true;
    try {
      const { run } = await api<{ run: { id: string } }>(`${base}/restore`, {
        json: {
          snapshot: String(data.get('snapshot')),
          parts: String(data.get('parts')),
          ...(into !== from ? { into } : {}),
          confirm: String(data.get('confirm')).trim(),
        },
      });
      location.assign(`/runs/${encodeURIComponent(run.id)}`);
    } catch (err) {
      showError(error, err);
      go.disabled = false;
    }
  });
}

export function openRestore(snapshot: string): void {
  byId<HTMLSelectElement>('r-snapshot').value = snapshot;
  byId<HTMLInputElement>('r-confirm').value = '';
  byId('restore-error').hidden = true;
  updateConfirm();
  dialog().showModal();
  byId('r-snapshot').focus();
}
