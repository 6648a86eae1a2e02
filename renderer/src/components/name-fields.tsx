import { Field, TextAreaField } from './field.js';

/** The required name of an object, with the error beside it. */
export function NameField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  return <Field label="Name" value={value} onChange={onChange} autoComplete="off" error={error} required />;
}

/** The name and optional description most objects of the access model carry. */
export function NameFields({
  draft,
  set,
  errors,
}: {
  draft: { name: string; description: string };
  /** The draft's setters, as useDraft gives them. */
  set: (key: 'name' | 'description') => (value: string) => void;
  errors: { name?: string | undefined; description?: string | undefined };
}) {
  return (
    <>
      <NameField value={draft.name} onChange={set('name')} error={errors.name} />
      <TextAreaField
        label="Description"
        value={draft.description}
        onChange={set('description')}
        rows={2}
        error={errors.description}
      />
    </>
  );
}
