/**
 * Spots text that looks like patient-identifiable data, so the bot can warn and refuse to keep it.
 * Deliberately cautious: a false alarm costs a reworded message, a miss could put a patient's
 * details somewhere they should never be.
 */
export type PatientDataKind = 'nhs-number' | 'date-of-birth' | 'postcode' | 'name-with-identifier';

/** NHS numbers are 10 digits whose last is a modulus 11 check digit. */
export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false; // no valid number has this remainder
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** 03/04/2019, 3-4-19, 3.4.2019, 3 April 2019, 3rd Apr 19 */
const DATE = new RegExp(`\\b(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\.?\\s+(?:\\d{4}|'?\\d{2}))\\b`, 'gi');
const DOB_MARKER = /\b(?:d\.?\s?o\.?\s?b\.?|date of birth|born(?: on| in)?|birthday)\b/i;
/** Full UK postcodes (outward and inward parts), e.g. S60 2TH, s602th, SW1A 1AA. */
const POSTCODE = /\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?\d[ABD-HJLNP-UW-Z]{2})\b/gi;
/** Two or three capitalised words in a row, such as a first name and surname. */
const NAME = /\b[A-Z][a-z'’-]{1,}(?:\s+[A-Z][a-z'’-]{1,}){1,2}\b/g;
/** Capitalised words that are not names: start of common sentences, services and places in our own content. */
const NOT_NAMES = new Set(
  'I Im The A An My Our Your He She They We It This That There Please Thanks Thank Hi Hello Dear Mr Mrs Ms Miss Dr Can Could Would Should What Who When Where Why How Is Are Do Does Did Has Have Had Not No Yes Ok Okay If And But Or So Also Just Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December MASH SPA NHS GP FGM Prevent Early Help Social Care Children Adults Adult Child Council Police Rotherham Teams Level Levels Safeguarding Team Hub County Lines Domestic Abuse'.split(
    ' ',
  ),
);

export interface PatientDataFinding {
  kinds: PatientDataKind[];
}

export function findPatientData(text: string, now = new Date()): PatientDataFinding {
  const kinds = new Set<PatientDataKind>();
  const identifierSpans: [number, number][] = [];

  // NHS number: 10 digits, alone or written 3-3-4 with spaces or dashes, passing the check digit.
  for (const m of text.matchAll(/(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])/g)) {
    if (isValidNhsNumber(`${m[1]}${m[2]}${m[3]}`)) {
      kinds.add('nhs-number');
      identifierSpans.push([m.index!, m.index! + m[0].length]);
    }
  }

  // Dates: a date of birth when marked as one, or when it sits next to a name.
  for (const m of text.matchAll(DATE)) {
    const start = m.index!;
    const before = text.slice(Math.max(0, start - 30), start);
    const year = yearOf(m[0]);
    const plausibleBirth = year === undefined || (year <= now.getFullYear() && year >= now.getFullYear() - 120);
    if (plausibleBirth && DOB_MARKER.test(before)) kinds.add('date-of-birth');
    if (plausibleBirth) identifierSpans.push([start, start + m[0].length]);
  }
  if (/\bage[ds]?\s*\d{1,3}\b/i.test(text) && DOB_MARKER.test(text)) kinds.add('date-of-birth');

  for (const m of text.matchAll(POSTCODE)) {
    kinds.add('postcode');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  // A name close to any identifier (including a bare date) identifies a person.
  for (const m of text.matchAll(NAME)) {
    const words = m[0].split(/\s+/);
    if (words.some((w) => NOT_NAMES.has(w.replace(/[’']s$/, '')))) continue;
    const start = m.index!;
    const end = start + m[0].length;
    const near = identifierSpans.some(([s, e]) => (s >= end && s - end <= 40) || (start >= e && start - e <= 40));
    if (near) {
      kinds.add('name-with-identifier');
      if (identifierSpans.some(([s, e]) => DATE.test(text.slice(s, e)))) kinds.add('date-of-birth');
      DATE.lastIndex = 0;
    }
  }
  return { kinds: [...kinds] };
}

function yearOf(date: string): number | undefined {
  const m = /(\d{4}|'?\d{2})\s*$/.exec(date.trim());
  if (!m) return undefined;
  const raw = m[1]!.replace("'", '');
  if (raw.length === 4) return Number(raw);
  const two = Number(raw);
  const century = two <= new Date().getFullYear() % 100 ? 2000 : 1900;
  return century + two;
}

export function containsPatientData(text: string, now = new Date()): boolean {
  return findPatientData(text, now).kinds.length > 0;
}

/** What the bot says. It never repeats the details back. */
export function patientDataWarning(finding: PatientDataFinding): string {
  const what = finding.kinds
    .map((k) => ({ 'nhs-number': 'an NHS number', 'date-of-birth': 'a date of birth', postcode: 'a postcode', 'name-with-identifier': 'a name with other details' })[k])
    .join(', ');
  return (
    `Your message looks like it contains patient details (${what}). Please do not share patient details here: ` +
    'this chat is not a patient record. I have not saved your message. ' +
    'Describe the concern without names, dates of birth, NHS numbers or addresses, or type worried to find the right referral route. ' +
    'If someone is in immediate danger, call 999.'
  );
}
