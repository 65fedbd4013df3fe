/**
 * The time rows are stamped with, as ISO 8601 UTC text (how both databases store it). Formatted once per
 * millisecond: a change stamps three or four rows, and a busy server makes many changes in the same millisecond.
 */
let lastMs = -1;
let lastText = '';

export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}
