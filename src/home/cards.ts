import { card } from '../cards/render';

/** The menu card (welcome, help, and the answer to anything not understood) and the data it reads. */
export interface MenuCardData {
  title: string;
  intro: string;
  /** "As a safeguarding lead, you can also:", or '' for no role line. */
  role: string;
  showDetail: boolean;
  buttons: { title?: string; command: string }[];
  roleButtons: { title?: string; command: string }[];
  commands: { command: string; description: string }[];
  roleCommands: { command: string; description: string }[];
}

declare module '../cards/render' {
  interface CardTemplates {
    'home/menu': MenuCardData;
  }
}

export const menuTemplate = (data: MenuCardData) => card('home/menu', data);
