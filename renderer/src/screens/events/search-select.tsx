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
 * 100,000 of them, too many to list). The chosen one stays shown whatever the search found.
 */
export function SearchSelect({
  label,
  placeholder,
  nothingFound,
  value,
  onChange,
  queryKey,
  find,
  description,
}: {
  label: string;
  placeholder: string;
  nothingFound: string;
  value: Choice | undefined;
  onChange: (choice: Choice | undefined) => void;
  /** Names the search in the RPC cache; the typed text is added to it. */
  queryKey: string;
  /** Up to a screenful of matches for the typed text (all, when empty). */
  find: (search: string) => Promise<Choice[]>;
  description?: string;
}) {
  const [search, setSearch] = useState('');
  const [opened, setOpened] = useState(false);
  const [typed] = useDebouncedValue(search.trim(), 200);
  // Once chosen, the field shows the choice's name: that is not a search.
  const text = value && typed === value.label ? '' : typed;
  const found = useQuery({
    queryKey: [queryKey, 'choices', text],
    queryFn: () => find(text),
    enabled: opened,
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
      value={value?.id ?? null}
      data={choices.map((c) => ({ value: c.id, label: c.label }))}
      // The service already matched the text; the list shows what it found.
      filter={({ options }) => options}
      searchValue={search}
      onSearchChange={setSearch}
      onDropdownOpen={() => setOpened(true)}
      onChange={(id, option) => onChange(id === null || !option ? undefined : { id, label: option.label })}
      nothingFoundMessage={found.isFetching ? undefined : nothingFound}
    />
  );
}
