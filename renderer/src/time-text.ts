/** Minutes of the day as HH:MM: 510 is "08:30", 1440 is "24:00". */
export function hhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** HH:MM (or H:MM) as minutes of the day; 24:00 only as an end. Undefined when it is not a time. */
export function minutesOf(text: string, isEnd: boolean): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return undefined;
  if (h < 24) return h * 60 + min;
  return isEnd && h === 24 && min === 0 ? 1440 : undefined;
}
