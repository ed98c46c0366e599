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
export type PatientDataKind = 'nhs-number' | 'date-of-birth' | 'postcode' | 'name' | 'address' | 'school' | 'hospital-number' | 'phone' | 'email';

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

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** 03/04/2019, 3-4-19, 3.4.2019, 3 April 2019, 3rd Apr 19, April 3rd 2019 */
const DATE = new RegExp(
  `\\b(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS})\\.?,?\\s+(?:\\d{4}|'?\\d{2})|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})\\b`,
  'gi',
);
/** DATE without the global flag, for a yes/no test of one span. */
const A_DATE = new RegExp(DATE.source, 'i');
const DOB_MARKER = /\b(?:d\.?\s?o\.?\s?b\.?|date of birth|born|birthday|b\.)(?:[^.\d]{0,24})$/i;
/** Full UK postcodes (outward and inward parts), e.g. S60 2TH, s602th, SW1A 1AA. */
const POSTCODE = /\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?\d[ABD-HJLNP-UW-Z]{2})\b/gi;
/** One to three capitalised words in a row, such as a first name and surname. */
const CAPITALISED = /\b[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+){0,2}\b/g;
/** An age next to a name: "aged 4", ", 7,", "(4)", "4yo", "is 7", "7 years old", "8 months old". */
const AGE_AFTER_NAME = /^(?:\s*,?\s*(?:aged?|age)\s*\d{1,3}\b|\s*,\s*\d{1,2}\s*(?:,|\b(?:years?|yrs?|yo|months?)\b)|\s*\(\s*\d{1,3}\s*(?:y|yrs?|years?|m|months?)?\s*\)|\s*,?\s*\d{1,2}\s*(?:yo|y\/o|yrs?|years?[ -]old|months?[ -]old|-year-old|-month-old)\b|\s+(?:is|who is|who's|turned)\s+\d{1,2}\b)/i;
const STREET =
  /\b\d{1,4}[a-z]?,?\s+(?:[A-Za-z'’-]+\s+){1,3}(?:road|rd|street|st|lane|ln|avenue|ave|close|cl|drive|dr|way|crescent|cres|grove|gardens|gdns|court|ct|place|pl|terrace|walk|view|hill|square|sq|mews|row|rise|green|vale|parade|fold|croft|gate|end|bank|side|park|wynd|common|meadows?|fields?)\b/i;
const FLAT = /\b(?:flat|apartment|apt|maisonette)\s*(?:no\.?\s*)?\d{1,4}[a-z]?\b/i;
const NAMED_HOUSE = /\b(?:lives?|living|staying|resides?|address(?: is)?|flat\s*\d+[a-z]?,?)\s+(?:at\s+|in\s+)?(?:\d{1,4}\s+)?[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)?\s+(?:House|Court|Lodge|Cottage|Farm|Mansions|Towers?|Heights|Buildings|Villas?|Manor|Hall)\b|\b[A-Z][a-z'’]+\s+(?:Cottage|Farm|Farmhouse|Lodge|Bungalow|Barn)\b|\b[A-Z][a-z'’]+\s+(?:House|Court|Hall|Villa|Manor),\s+[A-Z][a-z]+/;
const SCHOOL = /\b(?:[A-Z][a-z'’]+\.?\s+){1,4}(?:C of E\s+|CE\s+|RC\s+|Catholic\s+|Church\s+)?(?:Primary|Infants?|Juniors?|J&I|Academy|School|College|Nursery|High|Grammar|Secondary|Prep)\b/g;
const CHILD_CONTEXT = /\b(?:goes to|attends|attending|pupil|student|year \d{1,2}|in year|in reception|class|child|son|daughter|boy|girl|kid|aged|age|\d{1,2}[ -]?(?:yo|years?[ -]old))\b/i;
const HOSPITAL_NUMBER = /\b(?:[A-Z]{1,3}\d{6,8}|\d{3}[ -]?\d{3}[ -]?\d{3,4}[A-Z])\b|\b(?:hospital|unit|patient|mrn|clinic|case|pas|rtx|medical record|record|chi|k)\s*(?:no\.?|number|num|#|id)?\s*(?:is|was|:|\.)?\s*[A-Z]{0,3}(?:\d{5,10}|\d{3,4}[ -]\d{3,6})\b/gi;
const PHONE = /(?<![\d])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s-]?){9,10}(?![\d])/g;
const PERSON_NEAR_NUMBER = /\b(?:mum|mother|dad|father|her|his|their|patient|family|home|house|landline|grandma|grandad|nan|partner|carer|client|resident|neighbour|boyfriend|girlfriend|husband|wife|son|daughter|aunt|uncle)\b|[a-z]'s\b/i;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const SERVICE_MAILBOX = /(safeguard|mash|team|admin|enquir|info|referral|spa|duty|reception|office|hub|contact|practice|surgery|service|helpdesk|support|noreply|no-reply|england\.|gov\.uk$)/i;
const TITLE_NAME = /\b(?:Mr|Mrs|Ms|Miss|Mstr|Master|Mx|mr|mrs|ms)\.?\s+[A-Za-z][a-z'’-]+/g;
const ROLE_AFTER = /^\s*,?\s*(?:\(|-|–)?\s*(?:(?:is|was)\s+)?(?:the|our|my|a|from|at|who (?:is|works))?\s*(?:practice|named|designated|safeguarding|head|deputy|lead|manager|gp|nurse|teacher|social worker|health visitor|midwife|receptionist|clinician|doctor|consultant|dsl|senco|governor|chair|director|officer|partner|matron|sister)\b/i;
const PERSON_VERB = /^\s*(?:'s\b|has|had|is|was|told|said|says|lives|lived|attended|attends|disclosed|came|comes|missed|presented|seems|appears|keeps|got|goes|went|arrived|mentioned|reported|cries|cried|looks|looked|hit|hits)\b/;
const PERSON_BEFORE = /\b(?:called|named|patient|child|baby|boy|girl|son|daughter|mum|mother|dad|father|brother|sister|pupil|resident|client|toddler|teenager|man|woman|lady)\s*,?\s*$/i;

/** Capitalised words that are not names: sentence starters, services, places and roles. */
const NOT_NAMES = new Set(
  (
    'I Im Ive Id A An The My Our Your His Her Their He She They We It Its This That These Those There Here Please Thanks Thank Hi Hello Dear Can Could Would Should ' +
    'Will Shall May Might Must What Who Whom Whose When Where Why How Which Is Are Was Were Be Been Do Does Did Has Have Had Not No Yes Ok Okay If And But Or So Also Just ' +
    'Today Yesterday Tomorrow Tonight Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu Fri Sat Sun January February March April May June July ' +
    'August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Christmas Easter Bank Holiday Mr Mrs Ms Miss Dr Prof Nurse Sister ' +
    'MASH SPA NHS GP GPs FGM Prevent Early Help Social Care Children Childrens Adults Adult Child Council Police Teams Level Levels Safeguarding Team Hub County Lines ' +
    'Domestic Abuse Hospital Surgery Practice Medical Centre Center Health Clinic Trust Foundation General District Royal Infirmary Community Services Service Board ' +
    'Partnership Unit Ward Department Emergency Accident Urgent Treatment Walk Primary Care Network Integrated ICB CCG Local Authority Borough City County Metropolitan ' +
    'North South East West Northern Southern Eastern Western Upper Lower Great Little New Old Saint St Road Street Lane Avenue Close Drive Way Park House Court Academy ' +
    'School College Nursery High Grammar Secondary Infant Infants Junior University Training Course Module Briefing Minute Seven Policy Procedure Guidance Act Section ' +
    'Protection Plan Conference Strategy Meeting Panel Review Assessment Initial Health Looked After Designated Named Officer Lead Manager Director Head Deputy Assistant ' +
    'Chief Executive Receptionist Administrator Midwife Visitor Worker Workers Practitioner Practitioners Consultant Paediatrician Doctor Doctors Staff Colleague ' +
    'Mental Capacity Liberty Deprivation Safeguards Care Quality Commission CQC Ofsted LADO MARAC MAPPA DASH HARKS CSE CCE FII LAC CLA IHA RHA EHCP SEND SENCO CAMHS ' +
    'Channel Home Office Modern Slavery National Referral Mechanism Helpline Line Forced Marriage Unit Honour Based Female Genital Mutilation Child Sexual Criminal ' +
    'Exploitation Neglect Self Harm Teams Microsoft Outlook Excel Word Windows Zoom Chrome Edge IT Helpdesk Rota Annual Leave Sick Pay Payroll ESR Intercollegiate ' +
    'Document Documents Framework Standard Standards Section Year Years Month Weeks Week Day Days Hour Hours Morning Afternoon Evening Night Weekend Out Hours Duty ' +
    'Team Emergency Ambulance Fire Crown Magistrates Family Court Probation Youth Justice Offending Housing Benefits Universal Credit Citizens Advice Samaritans ' +
    'Childline NSPCC Barnardos Refuge Women Aid Victim Support Mind Age UK Rotherham Sheffield Doncaster Barnsley Yorkshire England English Wales Scotland Britain British ' +
    'Operation Project Programme Caldicott Guardian Working Together Keeping Safe Education Information Sharing Advice Practitioners Toolkit Tool Contextual Trauma Informed Think Family Signs Safety Voice Lived Experience Learning Lessons Rapid Serious Case Reviews Practice Reviews Domestic Homicide ' +
    'London Manchester Leeds Birmingham Maltby Wath Rawmarsh Dinnington Wickersley Swinton Kimberworth Moorgate Riverside Oakwood Eastwood Clifton Herringthorpe'
  ).split(/\s+/),
);

/** Common first names (so "amira, 7" and "jayden smith" count even in lower case). */
const FIRST_NAMES = new Set(
  (
    'oliver george harry jack jacob noah charlie muhammad mohammed mohammad thomas oscar william james leo alfie henry joshua freddie archie ethan isaac alexander joseph ' +
    'edward samuel max logan lucas daniel theo arthur mason harrison tyler jayden riley dylan lewis kai liam callum connor kyle ryan jake luke nathan adam ben benjamin ' +
    'david michael john paul mark peter andrew stephen robert richard christopher matthew anthony kevin gary darren jason lee craig scott dean wayne shaun steven ' +
    'ali ahmed hassan hussain omar yusuf ibrahim ayaan zain bilal imran tariq kian reece aaron jordan jamie ellis finley harvey toby reuben rory elliot ' +
    'olivia amelia isla ava emily sophia grace mia poppy ella lily evie isabella sophie ivy freya harper willow charlotte jessica florence ruby alice daisy chloe ' +
    'phoebe sienna millie eva matilda esme emma holly amber megan lauren hannah bethany jade leah abigail katie georgia courtney shannon paige jasmine ' +
    'aisha amira fatima maryam zara zainab hafsa khadija layla leila inaya anaya aaliyah safa noor hana sara sarah laura rachel rebecca nicola claire karen ' +
    'julie susan tracey donna lisa michelle helen emma joanne samantha amy jennifer kelly stacey kayleigh chelsea tia demi keira kacey summer scarlett ' +
    'violet luna aria maisie lola nancy rosie elsie martha orla erin niamh ciara molly imogen eleanor harriet tilly lexi lacey ellie darcy maya elizabeth ' +
    'margaret mary patricia barbara dorothy joan betty doris jean irene edith elsie ethel gladys hilda muriel albert ernest harold stanley walter frank ' +
    'frederick arthur norman kenneth ronald dennis derek brian keith colin trevor roy terry alan barry jane anne ann june'
  ).split(/\s+/),
);

/** First names that are also everyday words: in lower case they are only words ("mark the record", "may be at risk"). */
const WORD_NAMES = new Set('mark may june summer grace holly amber ruby daisy poppy jade ivy violet max will dean lee scott jack frank rose april autumn harper willow hope faith joy sky brook river bill ray pat sue'.split(' '));
const STOP = new Set('is was has had and or the a an to of in on at for with who that this be are were not no yes it he she they we you said says told'.split(' '));

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
  if (/\b(?:d\.?\s?o\.?\s?b\.?|date of birth)\s*:?\s*\d/i.test(text) || /\bborn (?:on |in )?(?:the )?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+)?(?:19|20)\d{2}\b/i.test(text)) {
    kinds.add('date-of-birth');
  }

  for (const m of text.matchAll(POSTCODE)) {
    kinds.add('postcode');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  // Addresses: a house number and street, a flat, a named house where someone lives.
  for (const re of [STREET, FLAT, NAMED_HOUSE]) {
    const m = re.exec(text);
    if (m && !/\b(?:level|section|year|step|ward|bay|room|page|part|chapter|under)\s*$/i.test(text.slice(Math.max(0, m.index - 10), m.index))) {
      kinds.add('address');
      identifierSpans.push([m.index, m.index + m[0].length]);
    }
  }

  // A named school, with a child in the same message.
  for (const m of text.matchAll(SCHOOL)) {
    const words = m[0].trim().split(/\s+/);
    const named = words.slice(0, -1).filter((w) => !/^(the|a|at|to|in|our|their|his|her|local|primary|secondary|high|infant|junior|nursery|royal|this|that|any|every|each|which|what)$/i.test(w));
    if (named.length === 0) continue;
    const next = text.slice(m.index! + m[0].length, m.index! + m[0].length + 12);
    if (/^\s+(?:Care|Court|Street|Road|Sheriff|Commissioner|Dependency|Risk|Needs?)\b/.test(next) || /^(?:Royal )?College$/.test(m[0].trim())) continue;
    if (CHILD_CONTEXT.test(text)) {
      kinds.add('school');
      identifierSpans.push([m.index!, m.index! + m[0].length]);
    }
  }

  for (const m of text.matchAll(HOSPITAL_NUMBER)) {
    const digits = m[0].replace(/\D/g, '');
    if (isValidNhsNumber(digits)) continue; // already an NHS number
    const runsOn = /^[ -]?\d/.test(text.slice(m.index! + m[0].length));
    if ((/^0\d{9,10}$/.test(digits) && /\d{3,5}[ -]\d{3,4}[ -]\d{3,4}\s*$/.test(m[0])) || (runsOn && /\b0\d/.test(m[0]))) continue; // part of a phone number, judged below
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
    if (serviceEmails.has(email) || SERVICE_MAILBOX.test(email.split('@')[0]!) || /\.(nhs\.(net|uk)|gov\.uk|police\.uk)$/.test(email) && SERVICE_MAILBOX.test(email)) continue;
    kinds.add('email');
    identifierSpans.push([m.index!, m.index! + m[0].length]);
  }

  findNames(text, identifierSpans, kinds);
  return { kinds: [...kinds] };
}

function findNames(text: string, identifierSpans: [number, number][], kinds: Set<PatientDataKind>): void {
  /** The identifiers within 40 characters of a span. */
  const nearby = (start: number, end: number) => identifierSpans.filter(([s, e]) => (s >= end && s - end <= 40) || (start >= e && start - e <= 40));
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
    if (AGE_AFTER_NAME.test(after) && (knownFirst || nameWords.length >= 2 || !sentenceStart || /^\s*,\s*\d{1,2}\s*,/.test(after))) {
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
    if (full && (PERSON_VERB.test(after) || PERSON_BEFORE.test(text.slice(Math.max(0, start - 20), start)) || (knownFirst && !sentenceStart) || (knownFirst && words.length >= 2))) {
      kinds.add('name');
      continue;
    }
    // A known first name with a person word before it: "her son Tyler", "a girl called Amira".
    if (knownFirst && PERSON_BEFORE.test(text.slice(Math.max(0, start - 20), start))) kinds.add('name');
  }
  // Lower-case names typed quickly: "jayden smith aged 4", "amira, 7,".
  for (const m of text.toLowerCase().matchAll(/\b([a-z]+)(?:\s+([a-z]+))?(?=\s*,?\s*(?:aged?\s*\d|\(\d|,\s*\d{1,2}\s*,|\d{1,2}\s*(?:yo|y\/o)))/g)) {
    if (FIRST_NAMES.has(m[1]!) || (m[2] && FIRST_NAMES.has(m[2]))) kinds.add('name');
  }
  for (const m of text.toLowerCase().matchAll(/\b([a-z]+)\s+([a-z]{2,})\b/g)) {
    if (!FIRST_NAMES.has(m[1]!) || WORD_NAMES.has(m[1]!) || STOP.has(m[2]!)) continue;
    const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 30);
    if (near(m.index!, m.index! + m[0].length) || /^(?:'s|’s)\b/.test(after) || PERSON_VERB.test(after)) kinds.add('name');
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
  return words.length <= 1 ? (words[0] ?? 'patient details') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
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
