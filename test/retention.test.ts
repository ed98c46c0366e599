import { onlyLoopback, startTestBot, USER_OID } from './helpers/bot';

describe('retention of referral follow-ups', () => {
  onlyLoopback();

  it('deletes closed follow-ups once the retention period has passed, keeps open and recent ones, and gives Cosmos DB a time to live', async () => {
    const bot = await startTestBot({ REFERRAL_RETENTION_DAYS: '30' });
    try {
      const followUps = bot.app.referral.followUps;
      const day = 86_400_000;
      const start = new Date('2026-01-01T09:00:00Z');
      const old = await followUps.record(USER_OID, 'mash', 72, undefined, start);
      const open = await followUps.record(USER_OID, 'mash', 72, undefined, start);
      const recent = await followUps.record(USER_OID, 'mash', 72, undefined, start);
      await followUps.feedbackReceived(USER_OID, old.id, new Date(start.getTime() + 1 * day));
      await followUps.feedbackReceived(USER_OID, recent.id, new Date(start.getTime() + 20 * day));
      expect((await followUps.get(USER_OID, old.id))?.ttl).toBe(30 * 86_400);

      bot.clock.now = new Date(start.getTime() + 40 * day);
      expect(await bot.app.sweepRetention()).toBe(1);
      expect(await followUps.get(USER_OID, old.id)).toBeUndefined();
      expect(await followUps.get(USER_OID, open.id)).toMatchObject({ status: 'awaiting-feedback' });
      expect(await followUps.get(USER_OID, recent.id)).toMatchObject({ status: 'feedback-received' });
      expect(
        bot.logs.some((l) => l.msg === 'closed referral follow-ups past their retention deleted' && l.removed === 1),
      ).toBe(true);
    } finally {
      await bot.stop();
    }
  });
});
