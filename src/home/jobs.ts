/** The four jobs the bot does, as offered on the welcome card and in help. */
export interface Job {
  key: 'referral' | 'briefings' | 'training' | 'assessment';
  /** The text command that opens it. */
  command: string;
  /** Button title. */
  title: string;
  /** One line for help and the Teams command menu. */
  description: string;
  /** Whole-message patterns that open it. */
  patterns: RegExp[];
}

export const JOBS: readonly Job[] = [
  {
    key: 'referral',
    command: 'worried',
    title: "I'm worried about someone",
    description: 'Find the right referral route for a child or an adult, step by step',
    patterns: [/^\s*(i'?m\s+)?worried\s*$/i, /^\s*what to do if you'?re worried\s*$/i],
  },
  {
    key: 'briefings',
    command: 'briefings',
    title: '7-minute briefings',
    description: 'Read and acknowledge short safeguarding briefings',
    patterns: [/^\s*(7[- ]minute\s+)?briefings?\s*$/i],
  },
  {
    key: 'training',
    command: 'my training',
    title: 'My training',
    description: 'Check your safeguarding training levels and when they expire',
    patterns: [/^\s*my\s+training\s*$/i, /^\s*training\s*$/i],
  },
  {
    key: 'assessment',
    command: 'self-assessment',
    title: 'Practice self-assessment',
    description: "Complete your GP practice's annual safeguarding self-assessment",
    patterns: [/^\s*(practice\s+)?self[- ]?assessment\s*$/i],
  },
];
