// Safety numbers are compared by people, out loud or side by side, so they are shown as twelve
// groups of five digits. Anything that is not exactly 60 ASCII digits is refused rather than shown:
// a truncated or padded number would let two people "match" numbers that differ.

export const SAFETY_NUMBER_DIGITS = 60;
export const SAFETY_NUMBER_GROUP_SIZE = 5;

const SAFETY_NUMBER_PATTERN = /^[0-9]{60}$/;

export function formatSafetyNumber(safetyNumber: string): readonly string[] {
  if (!SAFETY_NUMBER_PATTERN.test(safetyNumber)) {
    throw new RangeError(
      `formatSafetyNumber: expected ${SAFETY_NUMBER_DIGITS} digits, got ${safetyNumber.length} characters`,
    );
  }
  const groups: string[] = [];
  for (let start = 0; start < SAFETY_NUMBER_DIGITS; start += SAFETY_NUMBER_GROUP_SIZE) {
    groups.push(safetyNumber.slice(start, start + SAFETY_NUMBER_GROUP_SIZE));
  }
  return groups;
}
