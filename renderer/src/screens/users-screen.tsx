import { Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorAlert, Notice } from '../components/alert.js';
import type { User } from '../../../app/contract/methods/users.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { BlacklistPanel } from './blacklist-panel.js';
import { UserForm } from './user-form.js';
import { UserImportPanel } from './user-import-panel.js';
import { UserKeys } from './user-keys.js';
import { UserMobileKeys } from './mobile/user-mobile-keys.js';
import { BulkEditPanel } from './users/bulk-edit-panel.js';
import { RecentEvents } from './users/recent-events.js';
import { UserFingerprint } from './users/user-fingerprint.js';
import { UserTable, type UserQuery } from './users/user-table.js';

type Validity = NonNullable<UserQuery['validity']>;
type Sort = NonNullable<UserQuery['sort']>;

/** Drops every cached users.list page, so the table reads again after a change. */
function useRefreshUsers() {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: ['users.list'] });
}

/**
 * Opens the user an address names (`#/users?user=7`, the encoder's link to a card's holder), then
 * takes the parameter out of the address so closing the panel stays closed.
 */
function useOpenFromAddress(open: (user: User) => void, fail: (err: unknown) => void) {
  const [params, setParams] = useSearchParams();
  const wanted = Number(params.get('user'));
  useEffect(() => {
    if (!Number.isInteger(wanted) || wanted <= 0) return;
    let live = true;
    call('users.get', { id: wanted })
      .then((user) => live && open(user))
      .catch((err: unknown) => live && fail(err))
      .finally(() => live && setParams({}, { replace: true }));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per address, not per render
  }, [wanted]);
}

/**
 * Cardholders: every user in one virtual table (smooth at 100,000), search as you type, filters,
 * selection for bulk changes, CSV import and export; a user opens beside the list with their form,
 * their keys and (with doors:read) their recent events.
 */
export function UsersScreen({ site, can, failure }: SectionProps) {
  const { t } = useT('users');
  const write = can('users:write');
  const timeZone = site?.timeZone;
  const refresh = useRefreshUsers();
  const [search, setSearch] = useState('');
  // No debounce: each keystroke asks (a search answers in milliseconds) and TanStack Query shows the
  // newest answer, keeping the previous rows until it arrives.
  const debounced = search.trim();
  const [validity, setValidity] = useState<Validity | ''>('');
  const [hasKey, setHasKey] = useState<'' | 'yes' | 'no'>('');
  const [sort, setSort] = useState<{ sort: Sort; order: 'asc' | 'desc' }>({ sort: 'lastName', order: 'asc' });
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [open, setOpen] = useState<{ user?: User; creating?: boolean }>();
  const [importing, setImporting] = useState(false);
  const [bulk, setBulk] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  useOpenFromAddress(
    (user) => setOpen({ user }),
    (err) => setError(failure(err)),
  );
  const [dialog, confirm] = useConfirm();

  const query: UserQuery = {
    ...(debounced ? { search: debounced } : {}),
    ...(validity ? { validity } : {}),
    ...(hasKey ? { hasKey: hasKey === 'yes' } : {}),
    ...sort,
  };
  const levels = useQuery({
    queryKey: ['accessLevels.list', 'choices'],
    queryFn: () => call('accessLevels.list', { sort: 'name', limit: 500 }),
    enabled: can('doors:read'),
    select: (page) => page.items.map(({ id, name }) => ({ id, name })),
  });
  const blacklist = useQuery({ queryKey: ['blacklist.status'], queryFn: () => call('blacklist.status', {}) });

  const select = (id: number, on: boolean) =>
    setSelected((cur) => {
      const next = new Set(cur);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const changed = (message?: string) => {
    refresh();
    void blacklist.refetch();
    setError(undefined);
    if (message) setNotice(message);
  };

  const exportCsv = async () => {
    setError(undefined);
    try {
      const { csv } = await call('users.exportCsv', query);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      Object.assign(document.createElement('a'), { href: url, download: 'users.csv' }).click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(failure(err));
    }
  };

  const remove = async (user: User) => {
    const name = `${user.firstName} ${user.lastName}`.trim();
    const yes = await confirm({
      title: t('detail.deleteTitle', { name }),
      message: <p>{t('detail.deleteMessage')}</p>,
      confirmLabel: t('detail.delete', { name }),
      danger: true,
    });
    if (!yes) return;
    setNotice(undefined);
    try {
      await call('users.delete', { id: user.id, version: user.version });
      setOpen(undefined);
      changed(t('detail.deleted', { name }));
    } catch (err) {
      setError(failure(err));
    }
  };

  /** Reads an open user again (their fingerprint changed), keeping them open. */
  const reopen = async (id: number) => {
    refresh();
    try {
      const fresh = await call('users.get', { id });
      setOpen((cur) => (cur?.user?.id === id ? { user: fresh } : cur));
    } catch (err) {
      setError(failure(err));
    }
  };

  const user = open?.user;
  return (
    <Stack gap="sm">
      {dialog}
      <Group gap="sm" wrap="wrap" align="end">
        {write ? <Button onClick={() => setOpen({ creating: true })}>{t('toolbar.newUser')}</Button> : null}
        {write ? (
          <Button variant="default" onClick={() => setImporting(true)}>
            {t('toolbar.importCsv')}
          </Button>
        ) : null}
        <Button variant="default" onClick={() => void exportCsv()}>
          {t('toolbar.exportCsv')}
        </Button>
        <TextInput
          type="search"
          aria-label={t('toolbar.search')}
          placeholder={t('toolbar.searchPlaceholder')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          spellCheck={false}
          w={320}
        />
        <NativeSelect
          label={t('filters.validity')}
          value={validity}
          onChange={(e) => setValidity(e.currentTarget.value as Validity | '')}
          data={[
            { value: '', label: t('filters.any') },
            { value: 'active', label: t('filters.active') },
            { value: 'expired', label: t('filters.expired') },
            { value: 'not-yet-valid', label: t('filters.notYetValid') },
          ]}
        />
        <NativeSelect
          label={t('filters.keys')}
          value={hasKey}
          onChange={(e) => setHasKey(e.currentTarget.value as '' | 'yes' | 'no')}
          data={[
            { value: '', label: t('filters.any') },
            { value: 'yes', label: t('filters.withKey') },
            { value: 'no', label: t('filters.withoutKey') },
          ]}
        />
      </Group>
      <ErrorAlert>{error}</ErrorAlert>
      <Notice>{notice}</Notice>
      {selected.size > 0 && write ? (
        <Group gap="sm">
          <Text size="sm">{t('bulk.selected', { count: selected.size })}</Text>
          <Button size="xs" variant="default" onClick={() => setBulk(true)}>
            {t('bulk.edit')}
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>
            {t('bulk.clear')}
          </Button>
        </Group>
      ) : null}
      {bulk ? (
        <BulkEditPanel
          ids={[...selected]}
          levels={levels.data}
          timeZone={timeZone}
          failure={failure}
          onDone={(count) => {
            setBulk(false);
            setSelected(new Set());
            changed(t('bulk.applied', { count }));
          }}
          onClose={() => setBulk(false)}
        />
      ) : null}
      {importing ? (
        <UserImportPanel failure={failure} onImported={() => changed()} onClose={() => setImporting(false)} />
      ) : null}
      {open?.creating || user ? (
        <UserForm
          // A new version is a new form: what was typed (a PIN above all) is not sent twice.
          key={user ? `${user.id}-${user.version}` : 'new'}
          user={user}
          levels={levels.data}
          timeZone={timeZone}
          failure={failure}
          onSaved={(u, created) => {
            setOpen(created ? undefined : { user: u });
            const name = `${u.firstName} ${u.lastName}`.trim();
            changed(created ? t('detail.created', { name }) : t('detail.saved', { name }));
          }}
          onClose={() => setOpen(undefined)}
        />
      ) : null}
      {user && write ? (
        <UserFingerprint
          key={`fingerprint-${user.id}`}
          user={user}
          can={can}
          failure={failure}
          onChanged={() => void reopen(user.id)}
        />
      ) : null}
      {user ? (
        <UserKeys
          key={`keys-${user.id}`}
          user={user}
          can={can}
          failure={failure}
          onChanged={() => changed()}
          onClose={() => setOpen(undefined)}
        />
      ) : null}
      {user ? (
        <UserMobileKeys
          key={`mobile-${user.id}`}
          user={user}
          timeZone={timeZone}
          can={can}
          failure={failure}
          onChanged={() => changed()}
        />
      ) : null}
      {user && can('doors:read') ? (
        <RecentEvents key={`events-${user.id}`} user={user} failure={failure} />
      ) : null}
      {user && write ? (
        <Group>
          <Button color="red" variant="outline" onClick={() => void remove(user)}>
            {t('detail.delete', { name: `${user.firstName} ${user.lastName}`.trim() })}
          </Button>
        </Group>
      ) : null}
      <UserTable
        query={query}
        onSort={(key) =>
          setSort((cur) => ({ sort: key, order: cur.sort === key && cur.order === 'asc' ? 'desc' : 'asc' }))
        }
        selected={selected}
        onSelect={select}
        onOpen={(u) => setOpen({ user: u })}
      />
      {blacklist.data ? <BlacklistPanel status={blacklist.data} /> : null}
    </Stack>
  );
}
