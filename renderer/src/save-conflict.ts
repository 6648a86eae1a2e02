import { isRpcError } from './error-text.js';
import { sentence } from './format.js';

/**
 * Words a CONFLICT from saving an object of the access model: a stale version (someone else saved
 * first) above the form, anything else (a name taken) beside the name. True when it was one.
 */
export function explainConflict(
  err: unknown,
  noun: string,
  setFormError: (text: string) => void,
  setNameError: (text: string) => void,
): boolean {
  if (!isRpcError(err, 'CONFLICT')) return false;
  if (typeof err.data.currentVersion === 'number')
    setFormError(
      `Someone else changed this ${noun} while you were editing. Close the form and open it again to see ` +
        'their version, then make your change again.',
    );
  else setNameError(`${sentence(err.message)} Choose another name.`);
  return true;
}
