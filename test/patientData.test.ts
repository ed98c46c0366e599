import path from 'node:path';
import {
  findPatientData,
  isValidNhsNumber,
  patientDataWarning,
  registerServiceContacts,
} from '../src/privacy/patientData';
import { loadReferralContent } from '../src/referral/content';

// As at start-up: the organisation's own service numbers are never a patient's phone.
registerServiceContacts(loadReferralContent(path.join(__dirname, '..', 'content', 'referral')).contacts.values());

const NOW = new Date('2026-11-23T12:00:00Z');
const kinds = (text: string) => findPatientData(text, NOW).kinds.sort();

describe('NHS number check digit (modulus 11)', () => {
  it.each(['9434765919', '4010232137', '9990000018'])('accepts %s', (n) => expect(isValidNhsNumber(n)).toBe(true));
  it.each(['9434765918', '1234567890', '123456789', 'abcdefghij'])('rejects %s', (n) =>
    expect(isValidNhsNumber(n)).toBe(false),
  );
});

describe('spotting patient-identifiable data', () => {
  it.each([
    ['NHS number 943 476 5919 attended today', ['nhs-number']],
    ['nhs no 943-476-5919', ['nhs-number']],
    ['the child, DOB 12/03/2015, has a bruise', ['date-of-birth']],
    ['she was born on 3 April 2019', ['date-of-birth']],
    ['family live at S60 2TH near the school', ['postcode']],
    ['postcode s602th', ['postcode']],
    ['Jane Smith 12/03/2015 missed her appointment', ['date-of-birth', 'name']],
    ['Tom Jones of S65 1AA', ['name', 'postcode']],
  ])('flags "%s"', (text, expected) => expect(kinds(text)).toEqual(expected));

  it.each([
    "I'm worried about a child",
    'Call MASH on 01709 336080 within 24 hours',
    'The SPA number is 01709 822330',
    'what is county lines?',
    'I made the referral on 12/03/2026 and have had no feedback after 72 hours',
    'Level 3 training expires on 01/04/2027',
    'NHS number 943 476 5918 (not valid)',
    'We are in the S60 area',
    'Dr Patel from Maltby Surgery asked about FGM',
  ])('does not flag "%s"', (text) => expect(kinds(text)).toEqual([]));

  it('warns without repeating the details back', () => {
    const warning = patientDataWarning(findPatientData('Jane Smith DOB 12/03/2015', NOW));
    expect(warning).toContain('not a patient record');
    expect(warning).toContain('a date of birth');
    expect(warning).not.toContain('Jane');
    expect(warning).not.toContain('2015');
  });
});
