/** A tree of strings: what one namespace holds in one language. */
export interface StringTree {
  [key: string]: string | StringTree;
}

/** The same keys as `T`, any wording: what a translation of `T` must provide, no more, no less. */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };

/**
 * One namespace in English and Spanish. The Spanish side is checked against the English one at
 * compile time, so a string added in one language only does not build.
 */
export function strings<const T extends StringTree>(
  en: T,
  es: Translation<T>,
): { en: T; es: Translation<T> } {
  return { en, es };
}
