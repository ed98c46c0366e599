/**
 * The patterns and word lists of the patient-data screen (src/privacy/patientData.ts): what an NHS
 * number, a date, a postcode, a name, an address, a school, a hospital number, a phone number or an
 * e-mail address looks like in a message, and the words that are not names.
 */
const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** 03/04/2019, 3-4-19, 3.4.2019, 3 April 2019, 3rd Apr 19, April 3rd 2019 */
export const DATE = new RegExp(
  `\\b(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS})\\.?,?\\s+(?:\\d{4}|'?\\d{2})|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})\\b`,
  'gi',
);
/** DATE without the global flag, for a yes/no test of one span. */
export const A_DATE = new RegExp(DATE.source, 'i');
export const DOB_MARKER = /\b(?:d\.?\s?o\.?\s?b\.?|date of birth|born|birthday|b\.)(?:[^.\d]{0,24})$/i;
/** Full UK postcodes (outward and inward parts), e.g. S60 2TH, s602th, SW1A 1AA. */
export const POSTCODE =
  /\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?\d[ABD-HJLNP-UW-Z]{2})\b/gi;
/** One to three capitalised words in a row, such as a first name and surname. */
export const CAPITALISED = /\b[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+){0,2}\b/g;
/** An age next to a name: "aged 4", ", 7,", "(4)", "4yo", "is 7", "7 years old", "8 months old". */
export const AGE_AFTER_NAME =
  /^(?:\s*,?\s*(?:aged?|age)\s*\d{1,3}\b|\s*,\s*\d{1,2}\s*(?:,|\b(?:years?|yrs?|yo|months?)\b)|\s*\(\s*\d{1,3}\s*(?:y|yrs?|years?|m|months?)?\s*\)|\s*,?\s*\d{1,2}\s*(?:yo|y\/o|yrs?|years?[ -]old|months?[ -]old|-year-old|-month-old)\b|\s+(?:is|who is|who's|turned)\s+\d{1,2}\b)/i;
export const STREET =
  /\b\d{1,4}[a-z]?,?\s+(?:[A-Za-z'’-]+\s+){1,3}(?:road|rd|street|st|lane|ln|avenue|ave|close|cl|drive|dr|way|crescent|cres|grove|gardens|gdns|court|ct|place|pl|terrace|walk|view|hill|square|sq|mews|row|rise|green|vale|parade|fold|croft|gate|end|bank|side|park|wynd|common|meadows?|fields?)\b/i;
export const FLAT = /\b(?:flat|apartment|apt|maisonette)\s*(?:no\.?\s*)?\d{1,4}[a-z]?\b/i;
export const NAMED_HOUSE =
  /\b(?:lives?|living|staying|resides?|address(?: is)?|flat\s*\d+[a-z]?,?)\s+(?:at\s+|in\s+)?(?:\d{1,4}\s+)?[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)?\s+(?:House|Court|Lodge|Cottage|Farm|Mansions|Towers?|Heights|Buildings|Villas?|Manor|Hall)\b|\b[A-Z][a-z'’]+\s+(?:Cottage|Farm|Farmhouse|Lodge|Bungalow|Barn)\b|\b[A-Z][a-z'’]+\s+(?:House|Court|Hall|Villa|Manor),\s+[A-Z][a-z]+/;
export const SCHOOL =
  /\b(?:[A-Z][a-z'’]+\.?\s+){1,4}(?:C of E\s+|CE\s+|RC\s+|Catholic\s+|Church\s+)?(?:Primary|Infants?|Juniors?|J&I|Academy|School|College|Nursery|High|Grammar|Secondary|Prep)\b/g;
export const CHILD_CONTEXT =
  /\b(?:goes to|attends|attending|pupil|student|year \d{1,2}|in year|in reception|class|child|son|daughter|boy|girl|kid|aged|age|\d{1,2}[ -]?(?:yo|years?[ -]old))\b/i;
export const HOSPITAL_NUMBER =
  /\b(?:[A-Z]{1,3}\d{6,8}|\d{3}[ -]?\d{3}[ -]?\d{3,4}[A-Z])\b|\b(?:hospital|unit|patient|mrn|clinic|case|pas|rtx|medical record|record|chi|k)\s*(?:no\.?|number|num|#|id)?\s*(?:is|was|:|\.)?\s*[A-Z]{0,3}(?:\d{5,10}|\d{3,4}[ -]\d{3,6})\b/gi;
export const PHONE = /(?<![\d])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s-]?){9,10}(?![\d])/g;
export const PERSON_NEAR_NUMBER =
  /\b(?:mum|mother|dad|father|her|his|their|patient|family|home|house|landline|grandma|grandad|nan|partner|carer|client|resident|neighbour|boyfriend|girlfriend|husband|wife|son|daughter|aunt|uncle)\b|[a-z]'s\b/i;
export const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
export const SERVICE_MAILBOX =
  /(safeguard|mash|team|admin|enquir|info|referral|spa|duty|reception|office|hub|contact|practice|surgery|service|helpdesk|support|noreply|no-reply|england\.|gov\.uk$)/i;
export const TITLE_NAME = /\b(?:Mr|Mrs|Ms|Miss|Mstr|Master|Mx|mr|mrs|ms)\.?\s+[A-Za-z][a-z'’-]+/g;
export const ROLE_AFTER =
  /^\s*,?\s*(?:\(|-|–)?\s*(?:(?:is|was)\s+)?(?:the|our|my|a|from|at|who (?:is|works))?\s*(?:practice|named|designated|safeguarding|head|deputy|lead|manager|gp|nurse|teacher|social worker|health visitor|midwife|receptionist|clinician|doctor|consultant|dsl|senco|governor|chair|director|officer|partner|matron|sister)\b/i;
export const PERSON_VERB =
  /^\s*(?:'s\b|has|had|is|was|told|said|says|lives|lived|attended|attends|disclosed|came|comes|missed|presented|seems|appears|keeps|got|goes|went|arrived|mentioned|reported|cries|cried|looks|looked|hit|hits)\b/;
export const PERSON_BEFORE =
  /\b(?:called|named|patient|child|baby|boy|girl|son|daughter|mum|mother|dad|father|brother|sister|pupil|resident|client|toddler|teenager|man|woman|lady)\s*,?\s*$/i;

/** Capitalised words that are not names: sentence starters, services, places and roles. */
export const NOT_NAMES = new Set(
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
export const FIRST_NAMES = new Set(
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
export const WORD_NAMES = new Set(
  'mark may june summer grace holly amber ruby daisy poppy jade ivy violet max will dean lee scott jack frank rose april autumn harper willow hope faith joy sky brook river bill ray pat sue'.split(
    ' ',
  ),
);
export const STOP = new Set(
  'is was has had and or the a an to of in on at for with who that this be are were not no yes it he she they we you said says told'.split(
    ' ',
  ),
);
