import { useState, type FormEvent } from 'react';
import type { ResultOf } from '../../../app/contract/index.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { Field } from '../components/field.js';
import { isRpcError } from '../error-text.js';
import { call } from '../rpc/client.js';

/** The site as the console shows it. */
export type Site = ResultOf<'site.get'>;

/**
 * Renames the site. The form remembers the version it was filled from: a live update replaces an
 * untouched form, but an edited one keeps its base so that saving over someone else's change fails
 * with CONFLICT instead of silently winning.
 */
export function SiteRenameForm({
  site,
  onSaved,
  failure,
}: {
  site: Site;
  onSaved: (site: Site) => void;
  /** Words for a failed call (see SectionProps). */
  failure: (err: unknown) => string | undefined;
}) {
  const [base, setBase] = useState(site);
  const [draft, setDraft] = useState(site.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  // Follow live updates while the person has not started typing (React's "adjust state on prop change").
  if (site.version > base.version && draft === base.name && !busy) {
    setBase(site);
    setDraft(site.name);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    const name = draft.trim();
    if (name === base.name) {
      setNotice('That is already the site name.');
      return;
    }
    setBusy(true);
    try {
      const saved = await call('site.update', { version: base.version, name });
      setBase(saved);
      setDraft(saved.name);
      onSaved(saved);
      setNotice(`Site renamed to “${saved.name}”.`);
    } catch (err) {
      if (isRpcError(err, 'CONFLICT')) {
        try {
          const fresh = await call('site.get', {});
          setBase(fresh);
          onSaved(fresh);
          setError(
            `Someone else changed the site while you were editing; it is now called “${fresh.name}”. ` +
              'Your name was not saved: save again to replace theirs.',
          );
        } catch (reloadErr) {
          setError(failure(reloadErr));
        }
      } else {
        setError(failure(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="inline-form"
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      aria-labelledby="rename-heading"
    >
      <h2 id="rename-heading">Rename the site</h2>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {notice ? <Notice>{notice}</Notice> : null}
      <Field
        label="Site name"
        name="siteName"
        value={draft}
        onChange={setDraft}
        autoComplete="off"
        required
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save name'}
      </button>
    </form>
  );
}
