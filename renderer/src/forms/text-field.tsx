import { TextInput, type TextInputProps } from '@mantine/core';
import { useController, type Control, type FieldValues, type Path } from 'react-hook-form';
import type { Namespace } from '../i18n/resources.js';
import { useErrorText } from './form-frame.js';

/**
 * A text input bound to one field of a react-hook-form form: the field's value, and its refusal beside
 * it, worded in the operator's language (under `errors` of `ns`, else `common`) and announced as it
 * appears. A required field says so to the browser and assistive tech; the label shows no asterisk
 * (the console marks the optional fields instead).
 */
export function TextField<T extends FieldValues, C = unknown, O extends FieldValues = T>({
  control,
  name,
  ns = 'common',
  ...input
}: Omit<TextInputProps, 'name' | 'value' | 'onChange' | 'onBlur' | 'error' | 'errorProps'> & {
  control: Control<T, C, O>;
  name: Path<T>;
  ns?: Namespace;
}) {
  const errorText = useErrorText(ns);
  const { field, fieldState } = useController({ control, name });
  return (
    <TextInput
      {...field}
      maw="32rem"
      withAsterisk={false}
      {...input}
      error={errorText(fieldState.error?.message)}
      errorProps={{ role: 'alert' }}
    />
  );
}
