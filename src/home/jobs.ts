/** The four jobs the bot does, as offered on the welcome card and in help. */
export interface Job {
  key: 'referral' | 'briefings' | 'training' | 'assessment';
  /** The text command that opens it. */
  command: string;
  /** Button title. */
  title: string;
  /** One line for help and the Teams command menu. */
  description: string;
}

export const JOBS: readonly Job[] = [
  {
    key: 'referral',
    command: 'worried',
    title: "I'm worried about someone",
    description: 'Find the right referral route for a child or an adult, step by step',
  },
  {
    key: 'briefings',
    command: 'briefings',
    title: '7-minute briefings',
    description: 'Read and acknowledge short safeguarding briefings',
  },
  {
    key: 'training',
    command: 'my training',
    title: 'My training',
    description: 'Check your safeguarding training levels and when they expire',
  },
  {
    key: 'assessment',
    command: 'self-assessment',
    title: 'Practice self-assessment',
    description: "Complete your GP practice's annual safeguarding self-assessment",
  },
];
