import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useId, useRef, useState } from 'preact/hooks';
import type { KMSClient } from '../client/kms-client.ts';
import { type Credentials, errorText } from './session.ts';

/** The signed-in user's client and credentials, for every view. */
export const Session = createContext<{ client: KMSClient; credentials: Credentials } | undefined>(undefined);

export function useSession(): { client: KMSClient; credentials: Credentials } {
  const session = useContext(Session);
  if (!session) throw new Error('useSession outside a signed-in view');
  return session;
}

export interface Async<T> {
  value?: T | undefined;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change (or on `reload()`); an answer that arrives after a newer call is dropped. */
// `deps` are the caller's: they, not `load` (a new closure each render), decide when it runs again.
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (value) => call === latest.current && setState({ value, loading: false }),
      (error: unknown) => call === latest.current && setState({ error, loading: false }),
    );
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * A form's submit handler around `action`: no page load, `busy` while it runs, and what it threw kept in `error`
 * for the form to show.
 */
export function useSubmit(action: () => Promise<void>): {
  submit(event?: Event): Promise<void>;
  busy: boolean;
  error: unknown;
  setError(error: unknown): void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event?: Event) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error, setError };
}

/** A table's header row; `numeric` columns are right-aligned like their cells. */
export function TableHead({ columns, numeric = [] }: { columns: string[]; numeric?: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col" class={numeric.includes(column) ? 'number' : undefined}>
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}

/** A date of the API (epoch seconds) in the user's time zone, to the second. */
export function formatDate(epochSeconds: number | undefined): string {
  if (epochSeconds === undefined) return '—';
  const date = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * A modal dialog on the platform's <dialog>: showModal() makes the rest of the page inert (focus stays inside)
 * and Escape closes it, which calls `onClose`.
 */
export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose(): void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {open && children}
    </dialog>
  );
}

/**
 * A button for an action that cannot be undone (or hurts callers): it asks first, in a dialog whose default
 * button is Cancel. `confirm` names the action on the dialog's button; `run` does it and may throw (shown).
 */
export function ConfirmButton({
  label,
  title,
  confirm,
  children,
  run,
  disabled,
}: {
  label: string;
  title: string;
  confirm: string;
  children: ComponentChildren;
  run(): Promise<void>;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const { submit, busy, error, setError } = useSubmit(async () => {
    await run();
    close();
  });
  const close = () => {
    setOpen(false);
    setError(undefined);
  };
  return (
    <>
      <button type="button" class="danger" disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Dialog title={title} open={open} onClose={close}>
        <form onSubmit={submit}>
          {children}
          {error !== undefined && <ErrorMessage error={error} />}
          <div class="actions">
            <button type="button" onClick={close} autofocus>
              Cancel
            </button>
            <button type="submit" class="danger" disabled={busy}>
              {confirm}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
