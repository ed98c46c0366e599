import type { AuditTrail } from './audit';
import { withRefusalAudit } from './audit/refusals';
import { createAssessmentCapability, type AssessmentService } from './assessment';
import { createBriefingsCapability, type BriefingsService } from './briefings';
import type { Capability, Command } from './chat/types';
import { createContentCapability, type ContentService } from './content';
import type { ContentReviews } from './content/review';
import { createHomeCapability } from './home';
import type { Permission } from './people/roles';
import { createReferralCapability, type ReferralService } from './referral';
import { createTrainingCapability, type TrainingService } from './training';

/**
 * The capabilities the bot routes to, in the order free text tries them, built from the services
 * the composition root (app.ts) made. Also the command catalogue for the manifest.
 */

/**
 * Adds who-may and buttons to a capability's commands where its folder does not declare them yet
 * (src/referral/ is edited by the content owners; its handlers already refuse everyone else).
 */
function withPermissions(
  capability: Capability,
  permissions: Record<string, Permission>,
  buttons: Record<string, string> = {},
): Capability {
  return {
    ...capability,
    commands: capability.commands?.map((c) => ({
      ...c,
      permission: c.permission ?? permissions[c.name],
      button: c.button ?? buttons[c.name],
    })),
  };
}

export interface Services {
  /** Records refusals of privileged commands and buttons (absent for the command catalogue). */
  audit?: AuditTrail;
  imports: Capability;
  referral: ReferralService;
  content: ContentService;
  contentReviews: ContentReviews;
  assessment: AssessmentService;
  training: TrainingService;
  briefings: BriefingsService;
  /** Referral reminders and the monthly content review are looked for this often (0 = off), and closed follow-ups swept daily or not (absent for the command catalogue). */
  timers?: { reminderIntervalMs: number; retentionSweep: boolean };
  /** How often the briefing engine looks for due work (0: never; tests call tick). */
  briefingIntervalMs?: number;
}

/** Every capability, in the order free text tries them. */
export function buildCapabilities(s: Services): Capability[] {
  // Content audits its own refusals (content.refused); every other refusal is an access.refused record.
  const audited = (c: Capability) => (s.audit ? withRefusalAudit(c, s.audit) : c);
  const capabilities: Capability[] = [
    // A content file (routes.json...) from a lead is a proposal: before the imports, which answer every file.
    createContentCapability(s.content, s.contentReviews, { reviewIntervalMs: s.timers?.reminderIntervalMs }),
    audited(s.imports),
    audited(
      withPermissions(
        createReferralCapability(s.referral, s.timers),
        { 'content review': 'referral.review' },
        { worried: "I'm worried about someone" },
      ),
    ),
    audited(createAssessmentCapability(s.assessment)),
    audited(createTrainingCapability(s.training)),
    audited(createBriefingsCapability(s.briefings, { engineIntervalMs: s.briefingIntervalMs ?? 0 })),
    createHomeCapability(() => capabilities.flatMap((c) => c.commands ?? [])),
  ];
  return capabilities;
}

/**
 * Every declared command, without starting anything (the services are only reached when a command
 * runs): for the manifest's command list, so it is generated from the same declarations as help.
 */
export function commandCatalogue(): Command[] {
  const none = undefined as never;
  return buildCapabilities({
    imports: { name: 'imports' },
    referral: none,
    content: none,
    contentReviews: none,
    assessment: none,
    training: none,
    briefings: none,
  }).flatMap((c) => c.commands ?? []);
}
