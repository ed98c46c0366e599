import { ConversationStore } from '../src/people/conversations';
import { onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { countStorage } from './helpers/storageCounts';

/** The conversation reference is written when where to reach the person changed, not on every turn. */
describe('remembering where to reach a person', () => {
  onlyLoopback();
  let bot: TestBot;
  afterEach(async () => {
    await bot.stop();
  });

  it('100 turns from the same chat write its conversation reference once; a restart or a new activity id writes nothing, a new service URL writes it again', async () => {
    bot = await startTestBot();
    const counted = countStorage();
    try {
      for (let i = 0; i < 100; i++) expect((await bot.say('help')).status).toBe(200);
      expect(bot.connector.sent.length).toBeGreaterThanOrEqual(100);
      expect(counted.writes.filter((c) => c === 'conversations')).toEqual(['conversations']);

      // Another process (a restart) with the same chat and a new activity id: read, not written.
      const conversations = new ConversationStore(bot.app.store);
      const stored = await conversations.get(USER_OID);
      const reference = { ...stored!.reference, activityId: 'another-activity' };
      await conversations.remember(USER_OID, stored!.conversationId, reference, stored!.tenantId);
      expect(counted.writes.filter((c) => c === 'conversations')).toHaveLength(1);

      await conversations.remember(
        USER_OID,
        stored!.conversationId,
        { ...reference, serviceUrl: 'https://smba.trafficmanager.net/uk/' },
        stored!.tenantId,
      );
      expect(counted.writes.filter((c) => c === 'conversations')).toHaveLength(2);
      expect((await conversations.get(USER_OID))?.reference.serviceUrl).toBe('https://smba.trafficmanager.net/uk/');
    } finally {
      counted.restore();
    }
  });
});
