import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../rpc/client.js';

/** A cardholder: their id and name. */
export interface Holder {
  id: number;
  label: string;
}

/** Up to a screenful of users matching the typed text, by last name (all, when empty). */
async function findUsers(search: string): Promise<Holder[]> {
  const page = await call('users.list', { ...(search ? { search } : {}), sort: 'lastName', limit: 50 });
  return page.items.map((u) => ({ id: u.id, label: `${u.firstName} ${u.lastName}`.trim() }));
}

/**
 * Picks the cardholder to encode a key for, searched on the service as the operator types (a site
 * may have 100,000 users). The chosen one stays shown whatever the search found; its refusal (none
 * chosen) is announced beside it.
 */
export function UserPicker({
  label,
  placeholder,
  nothingFound,
  description,
  value,
  onChange,
  onBlur,
  error,
  canSearch,
  disabled,
}: {
  label: string;
  placeholder: string;
  nothingFound: string;
  description?: string;
  value: Holder | null;
  onChange: (holder: Holder | null) => void;
  onBlur?: () => void;
  error?: string;
  /** The operator may read users (users.list); without it only a preselected holder shows. */
  canSearch: boolean;
  disabled?: boolean;
}) {
  const [search, setSearch] = useState('');
  const [opened, setOpened] = useState(false);
  const [typed] = useDebouncedValue(search.trim(), 200);
  // Once chosen, the field shows the holder's name: that is not a search.
  const text = value && typed === value.label ? '' : typed;
  const found = useQuery({
    queryKey: ['users.list', 'encoder-holders', text],
    queryFn: () => findUsers(text),
    enabled: opened && canSearch,
    placeholderData: keepPreviousData,
  });
  const choices = [...(found.data ?? [])];
  if (value && !choices.some((c) => c.id === value.id)) choices.unshift(value);

  return (
    <Select<number>
      label={label}
      description={description}
      placeholder={placeholder}
      searchable
      clearable
      disabled={disabled}
      maw="24rem"
      value={value?.id ?? null}
      data={choices.map((c) => ({ value: c.id, label: c.label }))}
      // The service already matched the text; the list shows what it found.
      filter={({ options }) => options}
      searchValue={search}
      onSearchChange={setSearch}
      onDropdownOpen={() => setOpened(true)}
      onBlur={onBlur}
      onChange={(id, option) => onChange(id === null || !option ? null : { id, label: option.label })}
      nothingFoundMessage={found.isFetching ? undefined : nothingFound}
      error={error}
      errorProps={{ role: 'alert' }}
    />
  );
}
