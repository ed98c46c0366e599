import { leaversConfirmCard, leaversOfferCard } from '../src/imports/cards';
import { button, cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';

// The imports' cards built from fixture data, without a bot: valid at schema 1.5, and showing what
// the lead must see before anyone is marked as left.
describe('imports cards', () => {
  const run = '0b6f2f52-1a8e-4a43-9f5e-7d3c4b2a1f00';

  test('the leavers offer names the file and the count, and its button carries the run', () => {
    const card = leaversOfferCard({ file: 'staff.csv', run, missingLabel: '12 of 400 people', missingVerb: 'are' });
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('12 of 400 people');
    expect(cardText(card)).toContain('staff.csv');
    expect(JSON.stringify(card)).toContain(run);
  });

  test.each([
    { step: 'first' as const, warning: '', title: 'Mark 12 as left' },
    {
      step: 'second' as const,
      warning: 'That is more than 10% of the staff list. Press once more only if you are sure.',
      title: 'Yes, I am sure: mark 12 as left',
    },
  ])(
    'the confirm card ($step press) shows the count, the names, any warning and the button',
    ({ step, warning, title }) => {
      const card = leaversConfirmCard({
        heading: 'Mark people not in this file as leavers?',
        problems: '',
        countLine: 'This marks 12 of 400 people (3%) in the staff list as left: everyone not in the file.',
        warning,
        names: 'Ann Example (Finance), Bob Example (Estates).',
        confirmTitle: title,
        run,
        count: '12',
        step,
      });
      expect(cardProblems(card)).toEqual([]);
      const text = cardText(card);
      expect(text).toContain('12 of 400 people (3%)');
      expect(text).toContain('Ann Example (Finance)');
      if (warning) expect(text).toContain('more than 10%');
      else expect(text).not.toContain('more than 10%');
      expect(button(card, title).data).toMatchObject({ verb: 'imports.leaversApply', run, count: '12', step });
    },
  );
});
