import { card } from '../cards/render';

/** The imports' cards and the data each template reads. */
export interface LeaversOfferData {
  file: string;
  run: string;
  missingLabel: string;
  missingVerb: 'is' | 'are';
}

export interface LeaversConfirmData {
  heading: string;
  problems: string;
  countLine: string;
  warning: string;
  names: string;
  confirmTitle: string;
  run: string;
  count: string;
  step: 'first' | 'second';
}

declare module '../cards/render' {
  interface CardTemplates {
    'imports/leaversOffer': LeaversOfferData;
    'imports/leaversConfirm': LeaversConfirmData;
  }
}

export const leaversOfferCard = (data: LeaversOfferData) => card('imports/leaversOffer', data);
export const leaversConfirmCard = (data: LeaversConfirmData) => card('imports/leaversConfirm', data);
