/** The data each self-assessment template under cards/assessment/ reads (declared in CardTemplates). */
export type OverviewCardData = {
  title: string;
  practice: string;
  progress: string;
  done: number;
  remaining: number;
  statusLine: string;
  /** The section buttons, four to a row. */
  groups: { items: { id: string; label: string }[] }[];
  canContinue: boolean;
  continueLabel: string;
  nextSection: string;
  canReview: boolean;
};

export type SectionCardData = {
  id: string;
  number: number;
  total: number;
  title: string;
  savedLine: string;
  problems: string[];
  hasProblems: boolean;
  /** The version being edited: the save buttons carry it back. */
  etag: string;
  saveLabel: string;
  standards: {
    id: string;
    index: number;
    standard: string;
    good: string;
    evidence: string;
    answer: string;
    evidenceValue: string;
    action: string;
    owner: string;
    targetDate: string;
  }[];
};

export type ReviewCardData = {
  title: string;
  practice: string;
  sections: {
    number: number;
    title: string;
    answers: { standard: string; text: string; label: string; color: string; evidence: string; plan: string }[];
  }[];
};

export type CritiqueCardData = {
  practice: string;
  submitted: string;
  overallStyle: string;
  overallRag: string;
  percent: number;
  summary: string;
  why: string;
  sections: { title: string; color: string; rag: string }[];
  actions: { heading: string; standard: string; guidance: string; plan: string }[];
};

export type StatusCardData = {
  title: string;
  headline: string;
  submitted: number;
  inProgress: number;
  notStarted: number;
  rows: { title: string; value: string }[];
};

export type ThemesCardData = {
  title: string;
  submitted: string;
  themes: { rank: number; standard: string; section: string; notMet: number; partial: number; rest: number }[];
};

declare module '../cards/render' {
  interface CardTemplates {
    'assessment/overview': OverviewCardData;
    'assessment/section': SectionCardData;
    'assessment/review': ReviewCardData;
    'assessment/critique': CritiqueCardData;
    'assessment/status': StatusCardData;
    'assessment/themes': ThemesCardData;
  }
}
