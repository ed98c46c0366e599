import path from 'node:path';
import {
  EVAL_DIR,
  evaluatePatientData,
  evaluateQuestions,
  loadQuestions,
  loadSentences,
  TARGETS,
} from '../eval/referralEval';
import { registerServiceContacts } from '../src/privacy/patientData';
import { loadReferralContent } from '../src/referral/content';
import { Understander } from '../src/referral/understand';

/**
 * The targets of the free-text work, enforced on the labelled sets in eval/data (written
 * independently of the content and the matcher). `npm run eval:referral --failures` lists misses.
 */
const content = loadReferralContent(path.join(__dirname, '..', 'content', 'referral'));
registerServiceContacts(content.contacts.values());

describe('free-text understanding on the labelled set', () => {
  const questions = loadQuestions(path.join(EVAL_DIR, 'questions.json'));
  const figures = evaluateQuestions(questions, new Understander(content), content);

  it('covers every route, the choice card, the audience question, off-topic and out-of-area', () => {
    expect(questions.length).toBeGreaterThanOrEqual(200);
    const expected = new Set(
      questions.flatMap((q) => (q.expect === 'route' || q.expect === 'choices' ? q.routes : [])),
    );
    for (const r of content.routes) expect(expected).toContain(r.id);
    for (const kind of ['choices', 'ask-audience', 'off-topic', 'out-of-area'])
      expect(questions.some((q) => q.expect === kind)).toBe(true);
  });

  it(`answers at least ${TARGETS.right * 100}% right`, () => {
    expect(figures.right / figures.total).toBeGreaterThanOrEqual(TARGETS.right);
  });

  it('never answers with a route for another audience than the text names', () => {
    expect(figures.failures.filter((f) => f.verdict === 'wrong-audience')).toEqual([]);
  });

  it('never answers off-topic text with a route', () => {
    expect(figures.failures.filter((f) => f.verdict === 'off-topic-routed')).toEqual([]);
  });
});

describe('patient-data screen on the labelled set', () => {
  const sentences = loadSentences(path.join(EVAL_DIR, 'patient-data.json'));
  const f = evaluatePatientData(sentences);
  it('has at least 100 sentences with patient details and 100 without', () => {
    expect(f.withDetails).toBeGreaterThanOrEqual(100);
    expect(f.ordinary).toBeGreaterThanOrEqual(100);
  });
  it(`catches at least ${TARGETS.patientDataRecall * 100}% of patient details`, () => {
    expect(f.caught / f.withDetails).toBeGreaterThanOrEqual(TARGETS.patientDataRecall);
  });
  it(`warns on at most ${TARGETS.falseWarnings * 100}% of ordinary messages`, () => {
    expect(f.falseWarnings / f.ordinary).toBeLessThanOrEqual(TARGETS.falseWarnings);
  });
});
