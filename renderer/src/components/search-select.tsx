import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

/** A choice: an id and how to name it. */
export interface Choice {
  id: number;
  label: string;
}

/**
 * A select whose options the service finds as the operator types (doors, cardholders: a site may have
 * 100,000 of them, too many to list). The chosen one stays shown whatever the search found. In a form,
 * its refusal is announced beside it (`error`).
 */
export function SearchSelect({
  label,
  placeholder,
  nothingFound,
  value,
  onChange,
  onBlur,
  queryKey,
  find,
  description,
  error,
  canSearch = true,
  maw,
}: {
  label: string;
  placeholder: string;
  nothingFound: string;
  value: Choice | null;
  onChange: (choice: Choice | null) => void;
  onBlur?: () => void;
  /** Names the search in the RPC cache; the typed text is added to it. */
  queryKey: string;
  /** Up to a screenful of matches for the typed text (all, when empty). */
  find: (search: string) => Promise<Choice[]>;
  description?: string;
  error?: string | undefined;
  /** Whether the operator may search at all; without it only the chosen one shows. */
  canSearch?: boolean;
  maw?: string;
}) {
  const [search, setSearch] = useState('');
  const [opened, setOpened] = useState(false);
  const [typed] = useDebouncedValue(search.trim(), 200);
  // Once chosen, the field shows the choice's name: that is not a search.
  const text = value && typed === value.label ? '' : typed;
  const found = useQuery({
    queryKey: [queryKey, 'choices', text],
    queryFn: () => find(text),
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
      maw={maw}
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
