import { Checkbox, PasswordInput, TextInput, Textarea } from '@mantine/core';
import { useController, useFormContext, type FieldPath } from 'react-hook-form';
import { useErrorText } from '../../forms/form-frame.js';
import { useT } from '../../i18n/i18n.js';
import type { DirectoryDraft } from '../directory-form.js';

/** A text field of the directory form: the form's value, and its refusal beside it. */
interface TextFieldProps {
  name: FieldPath<DirectoryDraft>;
  label: string;
  hint?: string | undefined;
  placeholder?: string | undefined;
  /** Required fields say so to the browser and assistive tech; optional ones say it in their label. */
  required?: boolean;
  kind?: 'text' | 'number' | 'password' | 'pem';
  autoComplete?: string;
}

/** One text, number, password or PEM field, wired to the directory form by its contract path. */
export function TextField({
  name,
  label,
  hint,
  placeholder,
  required = false,
  kind = 'text',
  autoComplete = 'off',
}: TextFieldProps) {
  const { t } = useT('directory');
  const errorText = useErrorText('directory');
  const { control } = useFormContext<DirectoryDraft>();
  const { field, fieldState } = useController({ control, name });
  const error = errorText(fieldState.error?.message);
  const common = {
    name: field.name,
    value: field.value as string,
    onChange: field.onChange,
    onBlur: field.onBlur,
    ref: field.ref,
    label,
    description: hint,
    placeholder,
    required,
    withAsterisk: false,
    error,
    errorProps: { role: 'alert' },
    // PasswordInput leaves aria-invalid out; every field carries it for the same announcement.
    'aria-invalid': error ? true : undefined,
    maw: '40rem',
  } as const;
  switch (kind) {
    case 'pem':
      // No autosize: it measures itself with a <style> element, which the CSP refuses.
      return <Textarea {...common} rows={5} spellCheck={false} className="dir-pem" />;
    case 'password':
      return (
        <PasswordInput
          {...common}
          autoComplete={autoComplete}
          visibilityToggleButtonProps={{ 'aria-label': t('connection.showPassword') }}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          type={kind}
          spellCheck={false}
          autoComplete={autoComplete}
          {...(kind === 'number' ? { inputMode: 'numeric' as const, maw: '10rem' } : {})}
        />
      );
  }
}

/** A yes/no setting of the directory form, with what it does under it and its refusal beside it. */
export function CheckField({
  name,
  label,
  hint,
}: {
  name: 'enabled' | 'connection.startTls' | 'connection.allowPlain';
  label: string;
  hint: string;
}) {
  const errorText = useErrorText('directory');
  const { control } = useFormContext<DirectoryDraft>();
  const { field, fieldState } = useController({ control, name });
  const { ref, value, onChange, onBlur } = field;
  const error = errorText(fieldState.error?.message);
  return (
    <Checkbox
      name={name}
      ref={ref}
      checked={value}
      onChange={(e) => onChange(e.currentTarget.checked)}
      onBlur={onBlur}
      label={label}
      description={hint}
      // Checkbox takes no errorProps: the words are announced from inside.
      error={error ? <span role="alert">{error}</span> : undefined}
      aria-invalid={error ? true : undefined}
    />
  );
}
