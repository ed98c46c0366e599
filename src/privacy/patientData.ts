/**
 * The one patient-data screen: spots text that looks like it identifies a patient, so the bot can
 * warn and refuse to keep it. Every free-text input (messages, card fields, CSV columns) goes
 * through `findPatientData` or `containsPatientData`.
 *
 * Deliberately cautious: a false alarm costs a reworded message, a miss could put a patient's
 * details somewhere they should never be. What it looks for: NHS numbers (modulus 11 checked),
 * dates of birth, full postcodes, a name with an age or another identifier, a house number and
 * street, a flat or named house, a named school with a child, hospital or clinic numbers, phone
 * numbers that are not one of the organisation's service numbers, and personal e-mail addresses.
 * Measured by `npm run eval:referral` (recall and false warnings on a labelled set).
 */
import {
  DATE,
  A_DATE,
  DOB_MARKER,
  POSTCODE,
  CAPITALISED,
  AGE_AFTER_NAME,
  STREET,
  FLAT,
  NAMED_HOUSE,
  SCHOOL,
  CHILD_CONTEXT,
  HOSPITAL_NUMBER,
  PHONE,
  PERSON_NEAR_NUMBER,
  EMAIL,
  SERVICE_MAILBOX,
  TITLE_NAME,
  ROLE_AFTER,
  PERSON_VERB,
  PERSON_BEFORE,
  NOT_NAMES,
  FIRST_NAMES,
  WORD_NAMES,
  STOP,
} from './patterns';
export type PatientDataKind =
  'nhs-number' | 'date-of-birth' | 'postcode' | 'name' | 'address' | 'school' | 'hospital-number' | 'phone' | 'email';

export interface PatientDataFinding {
  kinds: PatientDataKind[];
}

/** Numbers and mailboxes of services (from the referral content) that are never a patient's. */
const serviceNumbers = new Set<string>();
const serviceEmails = new Set<string>();

/** Called once at start with every contact in the content, so "call the MASH on 01709 336080" is not a patient's phone. */
export function registerServiceContacts(contacts: Iterable<{ phone?: string; email?: string }>): void {
  for (const c of contacts) {
    if (c.phone) serviceNumbers.add(c.phone.replace(/\D/g, ''));
    if (c.email) serviceEmails.add(c.email.toLowerCase());
  }
}

/** NHS numbers are 10 digits whose last is a modulus 11 check digit. */
export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false; // no valid number has this remainder
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

function isNameWord(w: string): boolean {
  const bare = w.replace(/[’']s$/, '');
  return !NOT_NAMES.has(bare) && !NOT_NAMES.has(bare.toUpperCase()) && bare.length > 1;
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

  // Dates: a date of birth when marked as one; any plausible birth date counts next to a name.
  for (const m of text.matchAll(DATE)) {
    const start = m.index!;
    const before = text.slice(Math.max(0, start - 30), start);
    const year = yearOf(m[0], now);
    const plausibleBirth = year === undefined || (year <= now.getFullYear() && year >= now.getFullYear() - 120);
    if (plausibleBirth && DOB_MARKER.test(before)) kinds.add('date-of-birth');
    if (plausibleBirth) identifierSpans.push([start, start + m[0].length]);
  }
  // "DOB 2015", "born in March 2019", "d.o.b: 3/4/19" with an odd format.
  if (
    /\b(?:d\.?\s?o\.?\s?b\.?|date of birth)\s*:?\s*\d/i.test(text) ||
    /\bborn (?:on |in )?(?:the )?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+)?(?:19|20)\d{2}\b/i.test(
      text,
    )
  ) {
    kinds.add('date-of-birth');
  }

  for (const m of text.matchAll(POSTCODE)) {
    kinds.add('postcode');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  // Addresses: a house number and street, a flat, a named house where someone lives.
  for (const re of [STREET, FLAT, NAMED_HOUSE]) {
    const m = re.exec(text);
    if (
      m &&
      !/\b(?:level|section|year|step|ward|bay|room|page|part|chapter|under)\s*$/i.test(
        text.slice(Math.max(0, m.index - 10), m.index),
      )
    ) {
      kinds.add('address');
      identifierSpans.push([m.index, m.index + m[0].length]);
    }
  }

  // A named school, with a child in the same message.
  for (const m of text.matchAll(SCHOOL)) {
    const words = m[0].trim().split(/\s+/);
    const named = words
      .slice(0, -1)
      .filter(
        (w) =>
          !/^(the|a|at|to|in|our|their|his|her|local|primary|secondary|high|infant|junior|nursery|royal|this|that|any|every|each|which|what)$/i.test(
            w,
          ),
      );
    if (named.length === 0) continue;
    const next = text.slice(m.index! + m[0].length, m.index! + m[0].length + 12);
    if (
      /^\s+(?:Care|Court|Street|Road|Sheriff|Commissioner|Dependency|Risk|Needs?)\b/.test(next) ||
      /^(?:Royal )?College$/.test(m[0].trim())
    )
      continue;
    if (CHILD_CONTEXT.test(text)) {
      kinds.add('school');
      identifierSpans.push([m.index!, m.index! + m[0].length]);
    }
  }

  for (const m of text.matchAll(HOSPITAL_NUMBER)) {
    const digits = m[0].replace(/\D/g, '');
    if (isValidNhsNumber(digits)) continue; // already an NHS number
    const runsOn = /^[ -]?\d/.test(text.slice(m.index! + m[0].length));
    if (
      (/^0\d{9,10}$/.test(digits) && /\d{3,5}[ -]\d{3,4}[ -]\d{3,4}\s*$/.test(m[0])) ||
      (runsOn && /\b0\d/.test(m[0]))
    )
      continue; // part of a phone number, judged below
    if (/^[A-Z]{1,3}\d{6,8}$/i.test(m[0]) && /^(level|year|section|s|sec|lvl|l)\d/i.test(m[0])) continue;
    kinds.add('hospital-number');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '').replace(/^44/, '0');
    const national = digits.startsWith('0') ? digits : `0${digits}`;
    if (serviceNumbers.has(national) || isValidNhsNumber(national)) continue;
    // Freephone, non-geographic and national service numbers (0800, 0808, 03xx, 084x, 087x) belong to services, not patients.
    if (/^0(?:80|3|84|87|500)/.test(national)) continue;
    // A landline is a patient's only when the text ties it to a person ("mum's landline", "his number"); services publish theirs.
    const mobile = /^07/.test(national);
    if (!mobile && !PERSON_NEAR_NUMBER.test(text.slice(Math.max(0, m.index! - 40), m.index!))) continue;
    kinds.add('phone');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  for (const m of text.matchAll(EMAIL)) {
    const email = m[0].toLowerCase();
    if (
      serviceEmails.has(email) ||
      SERVICE_MAILBOX.test(email.split('@')[0]!) ||
      (/\.(nhs\.(net|uk)|gov\.uk|police\.uk)$/.test(email) && SERVICE_MAILBOX.test(email))
    )
      continue;
    kinds.add('email');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  findNames(text, identifierSpans, kinds);
  return { kinds: [...kinds] };
}

function findNames(text: string, identifierSpans: [number, number][], kinds: Set<PatientDataKind>): void {
  /** The identifiers within 40 characters of a span. */
  const nearby = (start: number, end: number) =>
    identifierSpans.filter(([s, e]) => (s >= end && s - end <= 40) || (start >= e && start - e <= 40));
  const near = (start: number, end: number) => nearby(start, end).length > 0;
  // Mr/Mrs/Ms/Miss + surname, unless it is a professional in their role.
  for (const m of text.matchAll(TITLE_NAME)) {
    const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 50);
    if (!ROLE_AFTER.test(after) && !/^(?:mr|mrs|ms)\.?\s+(?:and|or|to|the|a)$/i.test(m[0])) kinds.add('name');
  }
  for (const m of text.matchAll(CAPITALISED)) {
    const words = m[0].split(/\s+/).filter(Boolean);
    const start = m.index!;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 12), start);
    if (/\b(?:Dr|Doctor|Prof|Professor|Nurse|Sister|Cllr|Councillor)\.?\s*$/.test(before)) continue; // a professional
    const nameWords = words.filter(isNameWord);
    if (nameWords.length === 0) continue;
    const after = text.slice(end, end + 40);
    const sentenceStart = /(?:^|[.!?]\s+|\n\s*)$/.test(text.slice(0, start));
    const knownFirst = FIRST_NAMES.has(nameWords[0]!.toLowerCase());
    // A name with an age: "Jayden Smith aged 4", "Amira, 7,".
    if (
      AGE_AFTER_NAME.test(after) &&
      (knownFirst || nameWords.length >= 2 || !sentenceStart || /^\s*,\s*\d{1,2}\s*,/.test(after))
    ) {
      kinds.add('name');
      continue;
    }
    // A name next to another identifier (a date, a postcode, an NHS number...); a date next to a name is a date of birth.
    if (near(start, end) && nameWords.length === words.length && (words.length >= 2 || knownFirst || !sentenceStart)) {
      kinds.add('name');
      if (nearby(start, end).some(([s, e]) => A_DATE.test(text.slice(s, e)))) kinds.add('date-of-birth');
      continue;
    }
    // A full name in a case description: "Jayden Smith has bruises", "her son Tyler Jones".
    const full = words.length >= 2 && nameWords.length === words.length;
    if (
      full &&
      (PERSON_VERB.test(after) ||
        PERSON_BEFORE.test(text.slice(Math.max(0, start - 20), start)) ||
        (knownFirst && !sentenceStart) ||
        (knownFirst && words.length >= 2))
    ) {
      kinds.add('name');
      continue;
    }
    // A known first name with a person word before it: "her son Tyler", "a girl called Amira".
    if (knownFirst && PERSON_BEFORE.test(text.slice(Math.max(0, start - 20), start))) kinds.add('name');
  }
  // Lower-case names typed quickly: "jayden smith aged 4", "amira, 7,".
  for (const m of text
    .toLowerCase()
    .matchAll(/\b([a-z]+)(?:\s+([a-z]+))?(?=\s*,?\s*(?:aged?\s*\d|\(\d|,\s*\d{1,2}\s*,|\d{1,2}\s*(?:yo|y\/o)))/g)) {
    if (FIRST_NAMES.has(m[1]!) || (m[2] && FIRST_NAMES.has(m[2]))) kinds.add('name');
  }
  for (const m of text.toLowerCase().matchAll(/\b([a-z]+)\s+([a-z]{2,})\b/g)) {
    if (!FIRST_NAMES.has(m[1]!) || WORD_NAMES.has(m[1]!) || STOP.has(m[2]!)) continue;
    const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 30);
    if (near(m.index!, m.index! + m[0].length) || /^(?:'s|’s)\b/.test(after) || PERSON_VERB.test(after))
      kinds.add('name');
  }
}

function yearOf(date: string, now: Date): number | undefined {
  const m = /(\d{4}|'?\d{2})\s*$/.exec(date.trim());
  if (!m) return undefined;
  const raw = m[1]!.replace("'", '');
  if (raw.length === 4) return Number(raw);
  const two = Number(raw);
  const century = two <= now.getFullYear() % 100 ? 2000 : 1900;
  return century + two;
}

export function containsPatientData(text: string, now = new Date()): boolean {
  return findPatientData(text, now).kinds.length > 0;
}

const KIND_WORDS: Record<PatientDataKind, string> = {
  'nhs-number': 'an NHS number',
  'date-of-birth': 'a date of birth',
  postcode: 'a postcode',
  name: 'a name',
  address: 'an address',
  school: 'a school',
  'hospital-number': 'a hospital or clinic number',
  phone: 'a phone number',
  email: 'an e-mail address',
};

/** Plain words for what was found, for any message that refuses a value. */
export function describeFinding(finding: PatientDataFinding): string {
  const words = finding.kinds.map((k) => KIND_WORDS[k]);
  return words.length <= 1
    ? (words[0] ?? 'patient details')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** What the bot says. It never repeats the details back. */
export function patientDataWarning(finding: PatientDataFinding): string {
  return (
    `Your message looks like it contains patient details (${describeFinding(finding)}). Please do not share patient details here: ` +
    'this chat is not a patient record. I have not saved your message. ' +
    'Describe the concern without names, ages with names, dates of birth, NHS or hospital numbers, addresses, schools, phone numbers or e-mail addresses, ' +
    'or type worried to find the right referral route. If someone is in immediate danger, call 999.'
  );
}
